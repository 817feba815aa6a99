using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;
using F = TorchSharp.torch.nn.functional;

namespace Vivify.Heads.Fid;

/// <summary>torchvision's <c>BasicConv2d</c>: convolution without bias, batch norm (eps 0.001), ReLU.</summary>
public sealed class BasicConv2d : Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;

    public BasicConv2d(long inChannels, long outChannels, (long, long) kernel, (long, long)? stride = null, (long, long)? padding = null) : base(nameof(BasicConv2d))
    {
        conv = Conv2d(inChannels, outChannels, kernel, stride ?? (1, 1), padding ?? (0, 0), bias: false);
        bn = BatchNorm2d(outChannels, eps: 0.001);
        RegisterComponents();
    }

    public BasicConv2d(long inChannels, long outChannels, long kernel, long stride = 1, long padding = 0)
        : this(inChannels, outChannels, (kernel, kernel), (stride, stride), (padding, padding)) { }

    public override Tensor forward(Tensor x) => F.relu(bn.forward(conv.forward(x)));
}

/// <summary>
/// The 3×3 pooling branch of the FID network's Inception blocks: average pooling that leaves the padding out of the
/// mean (TensorFlow's, <c>count_include_pad=False</c>), or, in the last block, max pooling.
/// </summary>
internal static class FidPool
{
    public static Tensor Average(Tensor x) => F.avg_pool2d(x, 3, 1, 1, count_include_pad: false);
    public static Tensor Max(Tensor x) => F.max_pool2d(x, 3, 1, 1);
}

/// <summary>pytorch-fid's <c>FIDInceptionA</c> (Mixed_5b…5d): torchvision's InceptionA with TensorFlow's average pooling.</summary>
public sealed class FidInceptionA : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch5x5_1, branch5x5_2, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3, branch_pool;

    public FidInceptionA(long inChannels, long poolFeatures) : base(nameof(FidInceptionA))
    {
        branch1x1 = new BasicConv2d(inChannels, 64, 1);
        branch5x5_1 = new BasicConv2d(inChannels, 48, 1);
        branch5x5_2 = new BasicConv2d(48, 64, 5, padding: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, padding: 1);
        branch_pool = new BasicConv2d(inChannels, poolFeatures, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b5 = branch5x5_2.forward(branch5x5_1.forward(x));
        var b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
        return cat([branch1x1.forward(x), b5, b3, branch_pool.forward(FidPool.Average(x))], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's <c>InceptionB</c> (Mixed_6a): grid reduction 35 → 17.</summary>
public sealed class InceptionB : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3, branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3;

    public InceptionB(long inChannels) : base(nameof(InceptionB))
    {
        branch3x3 = new BasicConv2d(inChannels, 384, 3, stride: 2);
        branch3x3dbl_1 = new BasicConv2d(inChannels, 64, 1);
        branch3x3dbl_2 = new BasicConv2d(64, 96, 3, padding: 1);
        branch3x3dbl_3 = new BasicConv2d(96, 96, 3, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b3 = branch3x3dbl_3.forward(branch3x3dbl_2.forward(branch3x3dbl_1.forward(x)));
        return cat([branch3x3.forward(x), b3, F.max_pool2d(x, 3, 2)], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>pytorch-fid's <c>FIDInceptionC</c> (Mixed_6b…6e): factorised 7×7 branches, TensorFlow's average pooling.</summary>
public sealed class FidInceptionC : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch7x7_1, branch7x7_2, branch7x7_3;
    private readonly BasicConv2d branch7x7dbl_1, branch7x7dbl_2, branch7x7dbl_3, branch7x7dbl_4, branch7x7dbl_5, branch_pool;

    public FidInceptionC(long inChannels, long channels7x7) : base(nameof(FidInceptionC))
    {
        long c7 = channels7x7;
        branch1x1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7_2 = new BasicConv2d(c7, c7, (1, 7), padding: (0, 3));
        branch7x7_3 = new BasicConv2d(c7, 192, (7, 1), padding: (3, 0));
        branch7x7dbl_1 = new BasicConv2d(inChannels, c7, 1);
        branch7x7dbl_2 = new BasicConv2d(c7, c7, (7, 1), padding: (3, 0));
        branch7x7dbl_3 = new BasicConv2d(c7, c7, (1, 7), padding: (0, 3));
        branch7x7dbl_4 = new BasicConv2d(c7, c7, (7, 1), padding: (3, 0));
        branch7x7dbl_5 = new BasicConv2d(c7, 192, (1, 7), padding: (0, 3));
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b7 = branch7x7_3.forward(branch7x7_2.forward(branch7x7_1.forward(x)));
        var bd = branch7x7dbl_1.forward(x);
        bd = branch7x7dbl_5.forward(branch7x7dbl_4.forward(branch7x7dbl_3.forward(branch7x7dbl_2.forward(bd))));
        return cat([branch1x1.forward(x), b7, bd, branch_pool.forward(FidPool.Average(x))], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>torchvision's <c>InceptionD</c> (Mixed_7a): grid reduction 17 → 8.</summary>
public sealed class InceptionD : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch3x3_1, branch3x3_2, branch7x7x3_1, branch7x7x3_2, branch7x7x3_3, branch7x7x3_4;

    public InceptionD(long inChannels) : base(nameof(InceptionD))
    {
        branch3x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch3x3_2 = new BasicConv2d(192, 320, 3, stride: 2);
        branch7x7x3_1 = new BasicConv2d(inChannels, 192, 1);
        branch7x7x3_2 = new BasicConv2d(192, 192, (1, 7), padding: (0, 3));
        branch7x7x3_3 = new BasicConv2d(192, 192, (7, 1), padding: (3, 0));
        branch7x7x3_4 = new BasicConv2d(192, 192, 3, stride: 2);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b3 = branch3x3_2.forward(branch3x3_1.forward(x));
        var b7 = branch7x7x3_4.forward(branch7x7x3_3.forward(branch7x7x3_2.forward(branch7x7x3_1.forward(x))));
        return cat([b3, b7, F.max_pool2d(x, 3, 2)], 1).MoveToOuterDisposeScope();
    }
}

/// <summary>
/// pytorch-fid's <c>FIDInceptionE_1</c> (Mixed_7b, TensorFlow's average pooling) and <c>FIDInceptionE_2</c>
/// (Mixed_7c, max pooling in the pooling branch, as the TensorFlow graph the FID weights come from has it).
/// </summary>
public sealed class FidInceptionE : Module<Tensor, Tensor>
{
    private readonly BasicConv2d branch1x1, branch3x3_1, branch3x3_2a, branch3x3_2b;
    private readonly BasicConv2d branch3x3dbl_1, branch3x3dbl_2, branch3x3dbl_3a, branch3x3dbl_3b, branch_pool;
    private readonly bool _maxPool;

    public FidInceptionE(long inChannels, bool maxPool) : base(nameof(FidInceptionE))
    {
        _maxPool = maxPool;
        branch1x1 = new BasicConv2d(inChannels, 320, 1);
        branch3x3_1 = new BasicConv2d(inChannels, 384, 1);
        branch3x3_2a = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        branch3x3_2b = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        branch3x3dbl_1 = new BasicConv2d(inChannels, 448, 1);
        branch3x3dbl_2 = new BasicConv2d(448, 384, 3, padding: 1);
        branch3x3dbl_3a = new BasicConv2d(384, 384, (1, 3), padding: (0, 1));
        branch3x3dbl_3b = new BasicConv2d(384, 384, (3, 1), padding: (1, 0));
        branch_pool = new BasicConv2d(inChannels, 192, 1);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var b3 = branch3x3_1.forward(x);
        b3 = cat([branch3x3_2a.forward(b3), branch3x3_2b.forward(b3)], 1);
        var bd = branch3x3dbl_2.forward(branch3x3dbl_1.forward(x));
        bd = cat([branch3x3dbl_3a.forward(bd), branch3x3dbl_3b.forward(bd)], 1);
        var pool = _maxPool ? FidPool.Max(x) : FidPool.Average(x);
        return cat([branch1x1.forward(x), b3, bd, branch_pool.forward(pool)], 1).MoveToOuterDisposeScope();
    }
}
