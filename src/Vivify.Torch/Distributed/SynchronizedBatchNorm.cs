using System.Runtime.CompilerServices;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Distributed;

/// <summary>
/// Synchronised batch norm (the published FOMM's <c>SynchronizedBatchNorm2d</c>, PyTorch's <c>SyncBatchNorm</c>):
/// in training, a <see cref="BatchNorm2d"/> converted by <see cref="Convert"/> normalises with the statistics of the
/// global batch, its per-channel sums and sums of squares all-reduced over the ranks, and its backward all-reduces the
/// matching gradient sums, so N ranks on N shards compute what one process computes with BatchNorm2d on the whole
/// batch (the running statistics too). The networks keep their BatchNorm2d modules (names, state dicts, checkpoints
/// unchanged); their forward calls <see cref="forward(BatchNorm2d, Tensor)"/>, which is the module's own forward unless converted and
/// training. Unlike the published module, the variance is PyTorch's <c>var + eps</c> (it clamps <c>var</c> to eps),
/// so that any number of ranks equals one.
/// </summary>
public static class SynchronizedBatchNorm
{
    private static readonly ConditionalWeakTable<BatchNorm2d, ICommunicator> Synced = new();

    /// <summary>Synchronises every BatchNorm2d in <paramref name="root"/> over <paramref name="comm"/> (nothing with one rank); returns how many.</summary>
    public static int Convert(nn.Module root, ICommunicator comm)
    {
        if (comm.Size == 1) return 0;
        var count = 0;
        foreach (var m in root.modules().Prepend(root).OfType<BatchNorm2d>())
        {
            Synced.AddOrUpdate(m, comm);
            count++;
        }
        return count;
    }

    /// <summary>Makes the BatchNorm2d modules of <paramref name="root"/> local again.</summary>
    public static void Revert(nn.Module root)
    {
        foreach (var m in root.modules().Prepend(root).OfType<BatchNorm2d>()) Synced.Remove(m);
    }

    /// <summary>
    /// <paramref name="norm"/> applied to <paramref name="input"/> [N, C, H, W]: synchronised when converted and training.
    /// In training it never runs TorchSharp's BatchNorm2d.forward, which counts the batch (num_batches_tracked += 1)
    /// through a temporary Scalar that a finalizer may free while libtorch reads it (see <see cref="Scalars"/>; it once
    /// ended a training run with "For integral input tensors, argument alpha must not be a floating point number"):
    /// the same arithmetic with lasting Scalars instead.
    /// </summary>
    public static Tensor forward(BatchNorm2d norm, Tensor input)
    {
        if (!norm.training) return norm.forward(input);
        if (input.ndim != 4) throw new ArgumentException($"expected 4D input, but got {input.ndim}D input.");
        if (!Synced.TryGetValue(norm, out var comm)) return Local(norm, input);
        return Function.apply(input, norm.weight, norm.bias, norm, comm);
    }

    /// <summary>
    /// PyTorch's _BatchNorm.forward in training mode (momentum null: the cumulative average), the count added with
    /// lasting Scalars.
    /// </summary>
    private static Tensor Local(BatchNorm2d norm, Tensor input)
    {
        var factor = norm.momentum ?? 0.0;
        if (norm.track_running_stats && norm.num_batches_tracked is { } count)
        {
            count.add_(S(1L), S(1L));
            if (norm.momentum is null) factor = 1.0 / count.item<long>();
        }
        var stats = norm.track_running_stats;
        return nn.functional.batch_norm(input, stats ? norm.running_mean : null, stats ? norm.running_var : null, norm.weight, norm.bias,
            true, factor, norm.eps);
    }

    /// <summary>
    /// <paramref name="sequence"/> applied to <paramref name="input"/>, its BatchNorm2d children through
    /// <see cref="forward(BatchNorm2d, Tensor)"/> (for networks built of Sequential blocks); the Sequential's own forward
    /// in eval mode or when it holds no BatchNorm2d.
    /// </summary>
    public static Tensor forward(Sequential sequence, Tensor input)
    {
        var children = sequence.children().ToList();
        if (!sequence.training || !children.OfType<BatchNorm2d>().Any()) return sequence.forward(input);
        using var scope = NewDisposeScope();
        var x = input;
        foreach (var m in children)
            x = m is BatchNorm2d norm ? forward(norm, x) : ((nn.Module<Tensor, Tensor>)m).forward(x);
        return x.MoveToOuterDisposeScope();
    }

    /// <summary>The autograd function: forward and backward, each with one all-reduce.</summary>
    internal sealed class Function : autograd.SingleTensorFunction<Function>
    {
        public override string Name => nameof(SynchronizedBatchNorm);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (input, weight, bias, norm, comm) = ((Tensor)vars[0], vars[1] as Tensor, vars[2] as Tensor, (BatchNorm2d)vars[3], (ICommunicator)vars[4]);
            var c = input.shape[1];
            long[] dims = [0, 2, 3];
            // Sums in float64 (as libtorch's CPU batch norm accumulates), on the host for MPI.
            using var x = input.to(ScalarType.Float64, CPU);
            using var stats = cat([x.sum(dims), (x * x).sum(dims), tensor(new[] { (double)(input.numel() / c) }, dtype: ScalarType.Float64)]);
            comm.AllReduceSum(stats);
            var count = stats[2 * c].item<double>();
            if (count < 2) throw new ArgumentException($"batch norm needs more than one value per channel over the global batch, got input [{string.Join(", ", input.shape)}] on {comm.Size} ranks");
            using var mean = stats.narrow(0, 0, c) / S(count);
            using var var = (stats.narrow(0, c, c) / S(count) - mean * mean).clamp_min(S(0));
            using (no_grad()) UpdateRunningStats(norm, mean, var * S(count / (count - 1)));

            var mean_t = mean.to(input.dtype, input.device);
            var invstd = var.add(S(norm.eps), One).rsqrt().to(input.dtype, input.device);
            var scale = weight is null ? invstd : invstd * weight;
            var output = (input - mean_t.view(1, c, 1, 1)) * scale.view(1, c, 1, 1);
            if (bias is not null) output = output.add(bias.view(1, c, 1, 1), One);
            ctx.save_for_backward([input, weight, mean_t, invstd]);
            ctx.save_data("comm", comm);
            ctx.save_data("count", count);
            ctx.save_data("bias", bias is not null);
            return output;
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var saved = ctx.get_saved_variables();
            var (input, weight, mean, invstd) = (saved[0], saved[1], saved[2], saved[3]);
            var comm = (ICommunicator)ctx.get_data("comm");
            var count = (double)ctx.get_data("count");
            var c = input.shape[1];
            long[] dims = [0, 2, 3];
            var xmu = input - mean.view(1, c, 1, 1);
            var sum_dy = grad_output.sum(dims);
            var sum_dy_xmu = (grad_output * xmu).sum(dims);
            // This rank's share of the parameter gradients (the trainer averages them over the ranks) …
            Tensor? grad_weight = weight is null || weight.IsInvalid ? null : sum_dy_xmu * invstd;
            var grad_bias = (bool)ctx.get_data("bias") ? sum_dy : null;
            // … and the global means that the input gradient subtracts.
            using var sums = cat([sum_dy, sum_dy_xmu]).to(ScalarType.Float64, CPU);
            comm.AllReduceSum(sums);
            var mean_dy = (sums.narrow(0, 0, c) / S(count)).to(input.dtype, input.device).view(1, c, 1, 1);
            var mean_dy_xmu = (sums.narrow(0, c, c) / S(count)).to(input.dtype, input.device).view(1, c, 1, 1);
            var inv = invstd.view(1, c, 1, 1);
            var scale = weight is null || weight.IsInvalid ? inv : inv * weight.view(1, c, 1, 1);
            var grad_input = (grad_output - mean_dy - xmu * (inv * inv) * mean_dy_xmu) * scale;
            return [grad_input, grad_weight!, grad_bias!, null!, null!];
        }

        /// <summary>PyTorch's running statistics: momentum, or the cumulative average when momentum is None.</summary>
        private static void UpdateRunningStats(BatchNorm2d norm, Tensor mean, Tensor unbiasedVar)
        {
            if (!norm.track_running_stats || norm.running_mean is null || norm.running_var is null) return;
            var factor = norm.momentum ?? 0.0;
            if (norm.num_batches_tracked is { } n)
            {
                n.add_(S(1L), One);
                if (norm.momentum is null) factor = 1.0 / n.item<long>();
            }
            norm.running_mean.mul_(S(1 - factor)).add_(mean.to(norm.running_mean.dtype, norm.running_mean.device), S(factor));
            norm.running_var.mul_(S(1 - factor)).add_(unbiasedVar.to(norm.running_var.dtype, norm.running_var.device), S(factor));
        }
    }
}
