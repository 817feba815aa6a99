using System.Globalization;
using TorchSharp;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Torch.Optim;

/// <summary>
/// Converts <see cref="Adam"/>'s state to and from PyTorch's optimizer state dict in the checkpoint object
/// model: <c>{"state": {index: {"step", "exp_avg", "exp_avg_sq"[, "max_exp_avg_sq"]}}, "param_groups":
/// [{"lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
/// "differentiable", "fused"[, "initial_lr"], "params": [0, 1, ...]}]}</c>, parameters numbered in group
/// order, as PyTorch ≥ 1.13 writes it.
/// </summary>
public static class AdamStateDict
{
    /// <summary>The optimizer's state dict. Its tensors are copies (later steps do not change them).</summary>
    public static PyDict Save(Adam optimizer)
    {
        var state = new PyDict();
        var groups = new List<object?>();
        long index = 0;
        foreach (var group in optimizer.ParamGroups)
        {
            var ids = new List<object?>();
            foreach (var p in group.Params)
            {
                var s = optimizer.StateOf(p);
                if (s is not null)
                {
                    var entry = new PyDict
                    {
                        { "step", s.Step.detach().clone() },
                        { "exp_avg", s.ExpAvg.detach().clone() },
                        { "exp_avg_sq", s.ExpAvgSq.detach().clone() },
                    };
                    if (s.MaxExpAvgSq is not null) entry.Add("max_exp_avg_sq", s.MaxExpAvgSq.detach().clone());
                    state.Add(index, entry);
                }
                ids.Add(index++);
            }
            var g = new PyDict
            {
                { "lr", group.Lr },
                { "betas", new PyTuple(group.Betas.Beta1, group.Betas.Beta2) },
                { "eps", group.Eps },
                // PyTorch keeps what the caller passed; its default is the int 0.
                { "weight_decay", group.WeightDecay == 0 ? 0L : (object)group.WeightDecay },
                { "amsgrad", group.Amsgrad },
                { "maximize", group.Maximize },
                { "foreach", null },
                { "capturable", false },
                { "differentiable", false },
                { "fused", false },
            };
            if (group.InitialLr is double initial) g.Add("initial_lr", initial);
            g.Add("params", ids);
            groups.Add(g);
        }
        return new PyDict { { "state", state }, { "param_groups", groups } };
    }

    /// <summary>
    /// Loads a PyTorch Adam state dict into <paramref name="optimizer"/> as <c>optimizer.load_state_dict</c>
    /// does: group hyper-parameters (lr, betas, eps, weight_decay, amsgrad, maximize, initial_lr) are
    /// taken from the state dict; state tensors are copied, cast to each parameter's dtype and device;
    /// <c>step</c> may be a tensor or, from checkpoints before PyTorch 1.12, a number.
    /// </summary>
    /// <param name="source">The checkpoint file, for error messages.</param>
    public static void Load(Adam optimizer, PyDict stateDict, string source = "FILE")
    {
        string Where(string what) => $"optimizer state in {source} {what}";
        if (!stateDict.TryGetValue("param_groups", out var pg) || pg is not List<object?> savedGroups)
            throw new ModelMismatchException(Where("has no 'param_groups' list; is this an optimizer state dict?"), source);
        if (!stateDict.TryGetValue("state", out var st) || st is not PyDict savedState)
            throw new ModelMismatchException(Where("has no 'state' dict; is this an optimizer state dict?"), source);
        if (savedGroups.Count != optimizer.ParamGroups.Count)
            throw new ModelMismatchException(Where($"has {savedGroups.Count} parameter groups, the optimizer {optimizer.ParamGroups.Count}; use the configuration the checkpoint was trained with"), source);

        // Validate everything first, then apply (a failed load leaves the optimizer as it was).
        var idMap = new Dictionary<long, TorchSharp.Modules.Parameter>();
        var parsedGroups = new List<PyDict>();
        for (int gi = 0; gi < savedGroups.Count; gi++)
        {
            if (savedGroups[gi] is not PyDict sg || !sg.TryGetValue("params", out var ps) || ps is not List<object?> ids)
                throw new ModelMismatchException(Where($"has a malformed parameter group {gi}"), source);
            var group = optimizer.ParamGroups[gi];
            if (ids.Count != group.Params.Count)
                throw new ModelMismatchException(Where($"has {ids.Count} parameters in group {gi}, the optimizer {group.Params.Count}; use the configuration the checkpoint was trained with"), source);
            for (int i = 0; i < ids.Count; i++) idMap[Convert.ToInt64(ids[i], CultureInfo.InvariantCulture)] = group.Params[i];
            parsedGroups.Add(sg);
        }

        var newStates = new List<(TorchSharp.Modules.Parameter, AdamState)>();
        try
        {
            foreach (var (key, value) in savedState)
            {
                var id = Convert.ToInt64(key, CultureInfo.InvariantCulture);
                if (!idMap.TryGetValue(id, out var param))
                    throw new ModelMismatchException(Where($"has state for parameter {id}, which no parameter group lists"), source);
                if (value is not PyDict entry) throw new ModelMismatchException(Where($"has a malformed state for parameter {id}"), source);
                newStates.Add((param, ReadState(entry, param, id, Where)));
            }
        }
        catch
        {
            foreach (var (_, s) in newStates) s.Dispose();
            throw;
        }

        for (int gi = 0; gi < parsedGroups.Count; gi++)
        {
            var sg = parsedGroups[gi];
            var group = optimizer.ParamGroups[gi];
            group.Lr = Number(sg, "lr", group.Lr);
            if (sg.TryGetValue("betas", out var b) && b is PyTuple { Count: 2 } betas)
                group.Betas = (Convert.ToDouble(betas[0], CultureInfo.InvariantCulture), Convert.ToDouble(betas[1], CultureInfo.InvariantCulture));
            group.Eps = Number(sg, "eps", group.Eps);
            group.WeightDecay = Number(sg, "weight_decay", group.WeightDecay);
            if (sg.TryGetValue("amsgrad", out var a) && a is bool ams) group.Amsgrad = ams;
            if (sg.TryGetValue("maximize", out var m) && m is bool max) group.Maximize = max;
            group.InitialLr = sg.ContainsKey("initial_lr") ? Number(sg, "initial_lr", 0) : null;
        }
        optimizer.ClearState();
        foreach (var (p, s) in newStates) optimizer.SetState(p, s);
    }

    private static AdamState ReadState(PyDict entry, Tensor param, long id, Func<string, string> where)
    {
        using var scope = NewDisposeScope();
        Tensor Moment(string name)
        {
            if (!entry.TryGetValue(name, out var v) || v is not Tensor t)
                throw new ModelMismatchException(where($"lacks '{name}' for parameter {id}"));
            if (!t.shape.SequenceEqual(param.shape))
                throw new ModelMismatchException(where($"has '{name}' of shape [{string.Join(",", t.shape)}] for parameter {id} of shape [{string.Join(",", param.shape)}]; use the configuration the checkpoint was trained with"));
            return t.detach().to(param.dtype, param.device).clone();
        }

        if (!entry.TryGetValue("step", out var stepValue)) throw new ModelMismatchException(where($"lacks 'step' for parameter {id}"));
        var step = stepValue switch
        {
            Tensor t when t.numel() == 1 => t.detach().reshape().to(float32).clone(),
            long or int or double or float => tensor((float)Convert.ToDouble(stepValue, CultureInfo.InvariantCulture)),
            _ => throw new ModelMismatchException(where($"has a 'step' that is neither a number nor a one-element tensor for parameter {id}")),
        };
        var expAvg = Moment("exp_avg");
        var expAvgSq = Moment("exp_avg_sq");
        var maxExpAvgSq = entry.ContainsKey("max_exp_avg_sq") ? Moment("max_exp_avg_sq") : null;
        return new AdamState(step.MoveToOuterDisposeScope(), expAvg.MoveToOuterDisposeScope(), expAvgSq.MoveToOuterDisposeScope(),
            maxExpAvgSq?.MoveToOuterDisposeScope());
    }

    private static double Number(PyDict d, string key, double fallback) =>
        d.TryGetValue(key, out var v) && v is long or int or double or float ? Convert.ToDouble(v, CultureInfo.InvariantCulture) : fallback;
}
