using static TorchSharp.torch;

namespace Vivify.Torch.Modules;

/// <summary>torchvision's <c>vgg.make_layers</c> without batch norm, shared by every VGG feature network Vivify builds.</summary>
public static class TorchvisionVgg
{
    /// <summary>
    /// The layers of a torchvision <c>features</c> block in index order: for each entry of <paramref name="cfg"/> a
    /// 3×3 convolution (padding 1) and a ReLU, or a 2×2 max pooling where the entry is 0 (torchvision's "M"). The list
    /// index is the torchvision index (<c>features.N</c>). torchvision's ReLU is in place; callers either clone a
    /// feature they keep or take fresh outputs, so an out-of-place ReLU gives the same values.
    /// </summary>
    public static List<nn.Module<Tensor, Tensor>> MakeLayers(IEnumerable<int> cfg)
    {
        var layers = new List<nn.Module<Tensor, Tensor>>();
        long inC = 3;
        foreach (var v in cfg)
        {
            if (v == 0) { layers.Add(nn.MaxPool2d(2, stride: 2)); continue; }
            layers.Add(nn.Conv2d(inC, v, 3, stride: 1, padding: 1));
            layers.Add(nn.ReLU());
            inC = v;
        }
        return layers;
    }
}
