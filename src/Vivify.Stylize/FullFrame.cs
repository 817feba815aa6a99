using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Stylize;

/// <summary>Full-frame inference: each frame independently, generator in eval mode, no gradients.</summary>
public static class FullFrame
{
    /// <summary>
    /// Stylizes frames [N,C,H,W] in [-1,1]. GeneratorJ halves the size twice and doubles it twice, so sizes not divisible
    /// by 4 are padded (reflection) to the next multiple of 4 and the result cropped back; other sizes run unchanged,
    /// as in the published tool. Computed by <see cref="GeneratorJInference"/> (same values, less work).
    /// </summary>
    public static Tensor Stylize(GeneratorJ generator, Tensor frames)
    {
        if (frames.dim() != 4 || frames.shape[1] != generator.InputChannels)
            throw new UsageException($"frames must be [N,{generator.InputChannels},H,W], got [{string.Join(",", frames.shape)}]");
        generator.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        long h = frames.shape[2], w = frames.shape[3];
        long ph = (4 - h % 4) % 4, pw = (4 - w % 4) % 4;
        var x = ph == 0 && pw == 0 ? frames : nn.functional.pad(frames, [0, pw, 0, ph], PaddingModes.Reflect);
        using var inference = new GeneratorJInference(generator);
        var y = inference.forward(x);
        if (ph != 0 || pw != 0) y = y[.., .., ..(int)h, ..(int)w];
        return y.contiguous().MoveToOuterDisposeScope();
    }
}
