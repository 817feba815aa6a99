using Vivify.Motion.Training;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class Vgg19Tests
{
    /// <summary>torchvision's vgg19 convolutions: features index → (out, in) channels.</summary>
    private static readonly (int Index, int Out, int In)[] Convs =
    [
        (0, 64, 3), (2, 64, 64), (5, 128, 64), (7, 128, 128), (10, 256, 128), (12, 256, 256), (14, 256, 256), (16, 256, 256),
        (19, 512, 256), (21, 512, 512), (23, 512, 512), (25, 512, 512), (28, 512, 512), (30, 512, 512), (32, 512, 512), (34, 512, 512),
    ];

    [Fact]
    public void Torchvision_state_dict_goes_to_the_published_slices_and_the_rest_is_ignored()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vgg19-{Guid.NewGuid():N}.pth");
        var state = new PyDict("collections.OrderedDict");
        foreach (var (i, o, c) in Convs)
        {
            state.Add($"features.{i}.weight", full(new long[] { o, c, 3, 3 }, (float)i));
            state.Add($"features.{i}.bias", full(new long[] { o }, (float)-i));
        }
        state.Add("classifier.0.weight", zeros(4, 4));
        TorchSave.Save(state, path);
        try
        {
            using var vgg = Vgg19.Load(path);
            var sd = vgg.state_dict();
            Assert.Equal(13 * 2 + 2, sd.Count);
            Assert.Equal(28f, sd["slice5.28.weight"].mean().item<float>());
            Assert.Equal(-21f, sd["slice5.21.bias"].mean().item<float>());
            Assert.Equal(2f, sd["slice2.2.weight"].mean().item<float>());
            Assert.Equal(0.485f, sd["mean"][0, 0, 0, 0].item<float>());
            Assert.All(vgg.parameters(), p => Assert.False(p.requires_grad));
            using var scope = NewDisposeScope();
            var features = vgg.forward(rand(1, 3, 32, 32));
            Assert.Equal(new long[] { 1, 512, 2, 2 }, features[4].shape);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void The_first_slices_alone_equal_those_of_the_full_pass()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        using var vgg = new Vgg19();
        var x = rand(2, 3, 32, 32);
        var all = vgg.forward(x);
        var two = vgg.forward(x, 2);
        Assert.Equal(2, two.Count);
        for (var i = 0; i < 2; i++) Assert.Equal(0, (two[i] - all[i]).abs().max().item<float>());
        Assert.Throws<ArgumentOutOfRangeException>(() => vgg.forward(x, 0));
    }

    [Fact]
    public void An_untrained_VGG19_is_initialised_as_torchvision_does_and_its_deep_features_keep_their_scale()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var vgg = Vgg19.Untrained();
        foreach (var (index, conv) in vgg.Convolutions)
        {
            // kaiming_normal_(mode="fan_out", nonlinearity="relu"): std sqrt(2 / (out_channels * 3 * 3)), zero bias.
            var expected = Math.Sqrt(2.0 / (conv.weight!.shape[0] * 9));
            var std = conv.weight.std().item<float>();
            Assert.True(Math.Abs(std / expected - 1) < 0.05, $"features.{index}: weight std {std}, kaiming fan_out {expected}");
            Assert.Equal(0f, conv.bias!.abs().max().item<float>());
        }
        // Measured with torch 2.x on 4 random 32x32 images: mean |relu_k| 0.15, 0.15, 0.15, 0.11, 0.065 under this
        // initialisation, against 0.32, 0.072, 0.019, 0.0056, 0.0039 under the default one, where the last slices
        // carry almost nothing but their biases.
        var features = vgg.forward(rand(4, 3, 32, 32));
        var first = features[0].abs().mean().item<float>();
        var last = features[4].abs().mean().item<float>();
        Assert.True(last > first / 5, $"relu5_1 mean {last} against relu1_1 {first}: the deep features vanish");
    }
}
