using Vivify.TestSupport;
using Xunit;
using Xunit.Sdk;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

/// <summary>The shared GradCheck helper accepts right gradients and rejects wrong ones.</summary>
public class GradCheckTests
{
    [Fact]
    public void AcceptsACorrectGradient()
    {
        using var scope = NewDisposeScope();
        var a = randn(new long[] { 3, 4 }, float64);
        var b = randn(new long[] { 4, 2 }, float64);
        GradCheck.Check(x => (x[0].matmul(x[1])).tanh() * x[0].sum(), new[] { a, b }, what: "tanh(a b) sum(a)");
    }

    [Fact]
    public void RejectsAWrongGradient()
    {
        // x * detach(x) has derivative 2x but autograd sees only x.
        using var scope = NewDisposeScope();
        var a = randn(new long[] { 5 }, float64) + 3;
        var ex = Assert.Throws<XunitException>(() => GradCheck.Check(x => x[0] * x[0].detach(), new[] { a }, what: "x detach(x)"));
        Assert.Contains("x detach(x)", ex.Message);
    }

    [Fact]
    public void RefusesFloat32()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => GradCheck.Check(x => x[0] * 2, new[] { randn(3) }));
    }
}
