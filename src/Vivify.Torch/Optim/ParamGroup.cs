using TorchSharp.Modules;

namespace Vivify.Torch.Optim;

/// <summary>One of an optimizer's parameter groups with Adam's hyper-parameters (PyTorch's <c>param_groups</c> entry).</summary>
public sealed class ParamGroup
{
    public ParamGroup(IEnumerable<Parameter> parameters, double lr = 1e-3, (double, double)? betas = null, double eps = 1e-8,
        double weight_decay = 0, bool amsgrad = false, bool maximize = false)
    {
        Params = parameters.ToList();
        Lr = lr;
        Betas = betas ?? (0.9, 0.999);
        Eps = eps;
        WeightDecay = weight_decay;
        Amsgrad = amsgrad;
        Maximize = maximize;
    }

    public IReadOnlyList<Parameter> Params { get; }
    /// <summary>The learning rate now (schedulers change it).</summary>
    public double Lr { get; set; }
    public (double Beta1, double Beta2) Betas { get; set; }
    public double Eps { get; set; }
    public double WeightDecay { get; set; }
    public bool Amsgrad { get; set; }
    public bool Maximize { get; set; }
    /// <summary>The learning rate a scheduler started from (PyTorch's <c>initial_lr</c>), once one was attached.</summary>
    public double? InitialLr { get; set; }
}
