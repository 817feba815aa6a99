using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Optim;

/// <summary>
/// <c>torch.optim.Adam</c> as PyTorch 1.13 computes it (the single-tensor path: foreach, fused and
/// capturable off), with its per-parameter state (<c>step</c> as a float32 0-d tensor, <c>exp_avg</c>,
/// <c>exp_avg_sq</c>, and <c>max_exp_avg_sq</c> with amsgrad) held as PyTorch holds it so that it converts
/// to and from a PyTorch optimizer state dict (<see cref="AdamStateDict"/>). TorchSharp's own Adam keeps
/// its state private and its step as an integer.
/// </summary>
public sealed class Adam : IDisposable
{
    private readonly List<ParamGroup> _groups;
    private readonly Dictionary<Parameter, AdamState> _state = new(ReferenceEqualityComparer.Instance);

    public Adam(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weight_decay = 0, bool amsgrad = false, bool maximize = false)
        : this(new[] { new ParamGroup(parameters, lr, betas, eps, weight_decay, amsgrad, maximize) }) { }

    public Adam(IEnumerable<ParamGroup> groups)
    {
        _groups = groups.ToList();
        var all = _groups.SelectMany(g => g.Params).ToList();
        if (all.Count == 0) throw new ArgumentException("optimizer got an empty parameter list");
        if (all.Distinct(ReferenceEqualityComparer.Instance).Count() != all.Count)
            throw new ArgumentException("some parameters appear in more than one parameter group");
        foreach (var g in _groups)
        {
            if (g.Lr < 0) throw new ArgumentException($"Invalid learning rate: {g.Lr}");
            if (g.Eps < 0) throw new ArgumentException($"Invalid epsilon value: {g.Eps}");
            if (g.Betas.Beta1 is < 0 or >= 1) throw new ArgumentException($"Invalid beta parameter at index 0: {g.Betas.Beta1}");
            if (g.Betas.Beta2 is < 0 or >= 1) throw new ArgumentException($"Invalid beta parameter at index 1: {g.Betas.Beta2}");
            if (g.WeightDecay < 0) throw new ArgumentException($"Invalid weight_decay value: {g.WeightDecay}");
        }
    }

    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>The state of a parameter, or null before its first step.</summary>
    public AdamState? StateOf(Parameter p) => _state.TryGetValue(p, out var s) ? s : null;

    internal void SetState(Parameter p, AdamState state)
    {
        if (_state.Remove(p, out var old)) old.Dispose();
        _state[p] = state;
    }

    /// <summary>
    /// Forgets every parameter's state (PyTorch's <c>optimizer.state.clear()</c>): the next step is each parameter's
    /// first again, with fresh moment estimates and bias correction.
    /// </summary>
    public void ClearState()
    {
        foreach (var s in _state.Values) s.Dispose();
        _state.Clear();
    }

    /// <summary>Zeroes every parameter's gradient (PyTorch 1.13's <c>zero_grad()</c>, set_to_none=False).</summary>
    public void zero_grad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _groups.SelectMany(g => g.Params))
        {
            var grad = p.grad;
            if (grad is null) continue;
            grad.detach_();
            grad.zero_();
        }
    }

    /// <summary>One Adam step for every parameter that has a gradient.</summary>
    public void step()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        foreach (var group in _groups)
        {
            var (beta1, beta2) = group.Betas;
            foreach (var param in group.Params)
            {
                var grad = param.grad;
                if (grad is null) continue;
                if (!_state.TryGetValue(param, out var state))
                    _state[param] = state = AdamState.Fresh(param, group.Amsgrad);
                if (group.Amsgrad && state.MaxExpAvgSq is null)
                    throw new InvalidOperationException("amsgrad is on but the parameter's state has no max_exp_avg_sq");
                if (group.Maximize) grad = -grad;

                state.Step.add_(S(1), One);
                if (group.WeightDecay != 0) grad = grad.add(param, alpha: S(group.WeightDecay));

                state.ExpAvg.mul_(S(beta1)).add_(grad, alpha: S(1 - beta1));
                state.ExpAvgSq.mul_(S(beta2)).addcmul_(grad, grad, value: S(1 - beta2));

                double step = state.Step.item<float>();
                double biasCorrection1 = 1 - Math.Pow(beta1, step);
                double biasCorrection2 = 1 - Math.Pow(beta2, step);
                double stepSize = group.Lr / biasCorrection1;
                double biasCorrection2Sqrt = Math.Sqrt(biasCorrection2);

                Tensor denom;
                if (group.Amsgrad)
                {
                    state.MaxExpAvgSq!.copy_(torch.maximum(state.MaxExpAvgSq!, state.ExpAvgSq));
                    denom = (state.MaxExpAvgSq!.sqrt() / S(biasCorrection2Sqrt)).add_(S(group.Eps), One);
                }
                else denom = (state.ExpAvgSq.sqrt() / S(biasCorrection2Sqrt)).add_(S(group.Eps), One);

                param.addcdiv_(state.ExpAvg, denom, value: S(-stepSize));
            }
        }
    }

    public void Dispose() => ClearState();
}

/// <summary>One parameter's Adam state, named and typed as in PyTorch's state dict.</summary>
public sealed class AdamState : IDisposable
{
    public AdamState(Tensor step, Tensor exp_avg, Tensor exp_avg_sq, Tensor? max_exp_avg_sq = null)
    {
        Step = step;
        ExpAvg = exp_avg;
        ExpAvgSq = exp_avg_sq;
        MaxExpAvgSq = max_exp_avg_sq;
    }

    /// <summary><c>step</c>: a float32 0-d tensor (PyTorch ≥ 1.12).</summary>
    public Tensor Step { get; }
    /// <summary><c>exp_avg</c>: first moment, like the parameter.</summary>
    public Tensor ExpAvg { get; }
    /// <summary><c>exp_avg_sq</c>: second moment, like the parameter.</summary>
    public Tensor ExpAvgSq { get; }
    /// <summary><c>max_exp_avg_sq</c>, with amsgrad only.</summary>
    public Tensor? MaxExpAvgSq { get; }

    internal static AdamState Fresh(Tensor param, bool amsgrad) => new(
        tensor(0f).DetachFromDisposeScope(),
        zeros_like(param).DetachFromDisposeScope(),
        zeros_like(param).DetachFromDisposeScope(),
        amsgrad ? zeros_like(param).DetachFromDisposeScope() : null);

    public void Dispose()
    {
        Step.Dispose();
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
        MaxExpAvgSq?.Dispose();
    }
}
