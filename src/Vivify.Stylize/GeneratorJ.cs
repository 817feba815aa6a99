using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Distributed;
using static TorchSharp.torch;
using LeakyReLU = Vivify.Torch.Modules.LeakyReLU;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// The published default generator (models.GeneratorJ, batch norm):
/// conv0 → conv1 → conv2 → resnet blocks → upconv2 → upconv1 → conv_11 → (conv_11_a) → conv_12 → (tanh),
/// with skip connections from conv2, conv1, conv0 and the input. State-dict keys equal the published ones. Its blocks run
/// through <see cref="SynchronizedBatchNorm"/>, which is their own forward unless data-parallel training synchronised them.
/// </summary>
public sealed class GeneratorJ : nn.Module<Tensor, Tensor>
{
    internal readonly Sequential conv0;
    internal readonly Sequential conv1;
    internal readonly Sequential conv2;
    internal readonly ModuleList<Sequential> resnets;
    internal readonly Sequential upconv2;
    internal readonly Sequential upconv1;
    internal readonly Sequential conv_11;
    internal readonly Sequential? conv_11_a;
    internal readonly nn.Module<Tensor, Tensor> conv_12;

    public GeneratorJ(GeneratorConfig config) : this(config.UseBias, config.ResnetBlocks, config.Tanh,
        config.Filters, config.InputChannels, config.AppendSmoothers)
    { }

    public GeneratorJ(bool use_bias = false, int resnet_blocks = 9, bool tanh = false,
        IReadOnlyList<int>? filters = null, int input_channels = 3, bool append_smoothers = false)
        : base(nameof(GeneratorJ))
    {
        var f = filters ?? [64, 128, 128, 128, 128, 64];
        if (f.Count != 6) throw new VivifyException($"GeneratorJ needs 6 filter counts, got {f.Count}: fix 'filters' in the configuration");
        ResnetBlocks = resnet_blocks;
        InputChannels = input_channels;

        conv0 = ReluLayer(input_channels, f[0], 7, 1, 3, use_bias, new LeakyReLU(0.2));
        conv1 = ReluLayer(f[0], f[1], 3, 2, 1, use_bias, new LeakyReLU(0.2));
        conv2 = ReluLayer(f[1], f[2], 3, 2, 1, use_bias, new LeakyReLU(0.2));
        resnets = new ModuleList<Sequential>();
        for (var i = 0; i < resnet_blocks; i++) resnets.Add(ResnetBlock(f[2], f[2], use_bias));
        upconv2 = UpsampleAndConv(f[3] + f[2], f[4]);
        upconv1 = UpsampleAndConv(f[4] + f[1], f[4]);
        conv_11 = nn.Sequential(
            nn.Conv2d(f[0] + f[4] + input_channels, f[5], 7, stride: 1, padding: 3, bias: use_bias),
            nn.ReLU());
        if (append_smoothers)
            conv_11_a = nn.Sequential(
                nn.Conv2d(f[5], f[5], 3, stride: 1, padding: 1, bias: use_bias),
                nn.ReLU(),
                nn.BatchNorm2d(f[5]),
                nn.Conv2d(f[5], f[5], 3, stride: 1, padding: 1, bias: use_bias),
                nn.ReLU());
        conv_12 = tanh
            ? nn.Sequential(nn.Conv2d(f[5], 3, 1, stride: 1, padding: 0L, bias: true), nn.Tanh())
            : nn.Conv2d(f[5], 3, 1, stride: 1, padding: 0L, bias: true);
        RegisterComponents();
    }

    public int ResnetBlocks { get; }
    public int InputChannels { get; }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var output_0 = SynchronizedBatchNorm.forward(conv0, x);
        var output_1 = SynchronizedBatchNorm.forward(conv1, output_0);
        var output = SynchronizedBatchNorm.forward(conv2, output_1);
        // The published forward runs conv2 a second time for the skip connection. Both calls return the
        // same tensor (eval: running statistics; train: batch statistics), so in eval we reuse the first
        // result. In training we run it twice as published: each call advances batch-norm running
        // statistics (momentum applied twice), so saved models keep exact parity with the published
        // tool; gradients are the same either way (sum over the two identical paths).
        var output_2 = training ? SynchronizedBatchNorm.forward(conv2, output_1) : output;
        foreach (var layer in resnets) output = SynchronizedBatchNorm.forward(layer, output).add(output, One);

        output = SynchronizedBatchNorm.forward(upconv2, cat([output, output_2], 1));
        output = SynchronizedBatchNorm.forward(upconv1, cat([output, output_1], 1));
        output = conv_11.forward(cat([output, output_0, x], 1));
        if (conv_11_a is not null) output = SynchronizedBatchNorm.forward(conv_11_a, output);
        output = conv_12.forward(output);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>A copy in eval mode with the same configuration, weights and statistics in <paramref name="dtype"/>.</summary>
    internal GeneratorJ CopyAs(ScalarType dtype)
    {
        static Conv2d Conv(Sequential layer, int i) => (Conv2d)layer.children().ElementAt(i);
        var c0 = Conv(conv0, 0);
        long Out(Conv2d c) => c.weight!.shape[0];
        var f2 = Out(Conv(conv2, 0));
        var filters = new[] { Out(c0), Out(Conv(conv1, 0)), f2, Conv(upconv2, 1).weight!.shape[1] - f2, Out(Conv(upconv2, 1)), Out(Conv(conv_11, 0)) }
            .Select(f => (int)f).ToArray();
        var copy = new GeneratorJ(c0.bias is not null, ResnetBlocks, conv_12 is Sequential, filters, InputChannels, conv_11_a is not null);
        copy.to(dtype);
        using (no_grad())
        {
            var source = state_dict();
            foreach (var (name, t) in copy.state_dict()) t.copy_(source[name]);
        }
        copy.eval();
        return copy;
    }

    private static Sequential ReluLayer(long inF, long outF, long size, long stride, long padding, bool bias, nn.Module<Tensor, Tensor> nonlinearity) =>
        nn.Sequential(
            ("conv", nn.Conv2d(inF, outF, size, stride: stride, padding: padding, bias: bias)),
            ("normalization", nn.BatchNorm2d(outF)),
            ("nonlinearity", nonlinearity));

    private static Sequential ResnetBlock(long inF, long outF, bool bias) =>
        nn.Sequential(
            ("nonlinearity_0", nn.ReLU()),
            ("conv_0", nn.Conv2d(inF, outF, 3, stride: 1, padding: 1, bias: bias)),
            ("normalization", nn.BatchNorm2d(outF)),
            ("nonlinearity_1", nn.ReLU()),
            ("conv_1", nn.Conv2d(inF, outF, 3, stride: 1, padding: 1, bias: bias)));

    /// <summary>Nearest ×2 upsampling, 3×3 convolution without bias, batch norm, ReLU (keys 1.* and 2.*).</summary>
    private static Sequential UpsampleAndConv(long inF, long outF) =>
        nn.Sequential(
            nn.Upsample(scale_factor: [2.0, 2.0], mode: UpsampleMode.Nearest),
            nn.Conv2d(inF, outF, 3, stride: 1, padding: 1, bias: false),
            nn.BatchNorm2d(outF),
            nn.ReLU());
}
