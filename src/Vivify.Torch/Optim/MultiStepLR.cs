namespace Vivify.Torch.Optim;

/// <summary>
/// <c>torch.optim.lr_scheduler.MultiStepLR</c> (PyTorch 1.13): each time <see cref="step"/> reaches a
/// milestone epoch, every group's learning rate is multiplied by gamma (once per occurrence of that
/// milestone). Construction performs the initial step, as PyTorch's does. Resuming with
/// <c>last_epoch</c> ≥ 0 needs each group's <c>initial_lr</c> (restored with the optimizer's state dict).
/// </summary>
public sealed class MultiStepLR
{
    private readonly Adam _optimizer;
    private readonly Dictionary<int, int> _milestones = new();

    public MultiStepLR(Adam optimizer, IEnumerable<int> milestones, double gamma = 0.1, int last_epoch = -1)
    {
        _optimizer = optimizer;
        foreach (var m in milestones) _milestones[m] = _milestones.GetValueOrDefault(m) + 1;
        Gamma = gamma;
        foreach (var g in optimizer.ParamGroups)
        {
            if (last_epoch == -1) g.InitialLr ??= g.Lr;
            else if (g.InitialLr is null)
                throw new ModelMismatchException("cannot resume the learning-rate schedule: the optimizer's parameter groups have no 'initial_lr'; load the optimizer state saved with the schedule, or start from epoch 0");
        }
        BaseLrs = optimizer.ParamGroups.Select(g => g.InitialLr!.Value).ToList();
        LastEpoch = last_epoch;
        LastLr = BaseLrs;
        step();
    }

    public double Gamma { get; }
    public IReadOnlyList<double> BaseLrs { get; }
    /// <summary>The epoch the schedule is at (PyTorch's <c>last_epoch</c>).</summary>
    public int LastEpoch { get; private set; }
    /// <summary>The learning rates the last step set (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLr { get; private set; }

    /// <summary>Advances one epoch; at a milestone, multiplies each group's lr by gamma^(occurrences).</summary>
    public void step()
    {
        LastEpoch++;
        if (_milestones.TryGetValue(LastEpoch, out var count))
            foreach (var g in _optimizer.ParamGroups) g.Lr *= Math.Pow(Gamma, count);
        LastLr = _optimizer.ParamGroups.Select(g => g.Lr).ToList();
    }
}
