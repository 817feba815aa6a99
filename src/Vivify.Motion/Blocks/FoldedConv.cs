using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Motion.Blocks;

/// <summary>
/// A convolution with the batch norm that follows it folded in, for inference with running statistics:
/// W' = W·γ/√(σ²+ε), b' = (b − μ)·γ/√(σ²+ε) + β. Held apart from the module's parameters, so state dicts
/// and training are untouched; fold again after loading new weights.
/// </summary>
internal sealed class FoldedConv : IDisposable
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly long padding;
    private readonly long groups;

    private FoldedConv(Tensor weight, Tensor bias, long padding, long groups)
    {
        this.weight = weight;
        this.bias = bias;
        this.padding = padding;
        this.groups = groups;
    }

    /// <summary>Batch norm epsilon of the published models (SynchronizedBatchNorm2d's default).</summary>
    public const double Eps = 1e-5;

    public static FoldedConv From(Conv2d conv, BatchNorm2d norm, long padding, long groups)
    {
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var dtype = conv.weight!.dtype;
        var (w, b) = Fold(conv, norm);
        return new FoldedConv(w.to(dtype).detach().MoveToOuterDisposeScope(), b.to(dtype).detach().MoveToOuterDisposeScope(), padding, groups).DetachAll();
    }

    /// <summary>
    /// The folded weight and bias, computed in float32 (float64 for a float64 model) whatever the model's dtype;
    /// callers store them in the model's dtype. Call under no_grad, inside a dispose scope.
    /// </summary>
    internal static (Tensor weight, Tensor bias) Fold(Conv2d conv, BatchNorm2d norm)
    {
        var compute = conv.weight!.dtype == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;
        var scale = norm.weight!.to(compute) / norm.running_var!.to(compute).add(S(Eps), One).sqrt();
        var w = conv.weight!.to(compute) * scale.view(-1, 1, 1, 1);
        var b = (((conv.bias?.to(compute) ?? zeros_like(scale)) - norm.running_mean!.to(compute)) * scale).add(norm.bias!.to(compute), One);
        return (w, b);
    }

    private FoldedConv DetachAll()
    {
        weight.DetachFromDisposeScope();
        bias.DetachFromDisposeScope();
        return this;
    }

    public Tensor forward(Tensor x) => nn.functional.conv2d(x, weight, bias, padding: [padding, padding], groups: groups);

    public void Dispose()
    {
        weight.Dispose();
        bias.Dispose();
    }
}

/// <summary>A block whose convolution is followed by a batch norm that can be folded into it for inference.</summary>
public interface IBatchNormFoldable
{
    /// <summary>Folds the running statistics into the convolution; used in eval mode only.</summary>
    void FoldBatchNorm();
}

/// <summary>Folds every foldable block of a model (<see cref="IBatchNormFoldable"/>) for faster inference.</summary>
public static class BatchNormFolding
{
    /// <summary>Folds batch norms into convolutions in all blocks of <paramref name="model"/>; returns how many.</summary>
    public static int Fold(nn.Module model)
    {
        var count = 0;
        foreach (var (_, m) in model.named_modules())
            if (m is IBatchNormFoldable f) { f.FoldBatchNorm(); count++; }
        return count;
    }
}
