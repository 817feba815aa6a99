using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Torch.Modules;

/// <summary>
/// <c>nn.LeakyReLU(negative_slope, inplace)</c>. TorchSharp's module converts its slope to a temporary Scalar on
/// every forward (see <see cref="Scalars"/>); this one passes <see cref="Scalars.S(double)"/>. No parameters. In place,
/// it returns an alias of its input, as TorchSharp's does: a Sequential disposes what each layer returns.
/// </summary>
public sealed class LeakyReLU : nn.Module<Tensor, Tensor>
{
    private readonly double _negativeSlope;
    private readonly bool _inplace;

    public LeakyReLU(double negative_slope = 0.01, bool inplace = false) : base(nameof(LeakyReLU))
    {
        _negativeSlope = negative_slope;
        _inplace = inplace;
    }

    public override Tensor forward(Tensor input) =>
        _inplace ? input.leaky_relu_(S(_negativeSlope)).alias() : input.leaky_relu(S(_negativeSlope));
}
