using TorchSharp;
using TorchSharp.Modules;
using Vivify.TestSupport;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.StateDicts;

public class StateAssignTests
{
    private static Sequential Net(Device? device = null) =>
        nn.Sequential(("conv", nn.Conv2d(3, 4, 3, padding: 1, device: device)), ("norm", nn.BatchNorm2d(4, device: device)), ("head", nn.Conv2d(4, 2, 1, device: device)));

    private sealed class Scaled : nn.Module<Tensor, Tensor>
    {
        public Scaled() : base(nameof(Scaled)) { scale = ones(2, device: META); RegisterComponents(); }
        private readonly Tensor scale;
        public override Tensor forward(Tensor x) => x * scale;
    }

    [Fact]
    public void A_skeleton_has_no_memory_and_takes_the_given_tensors_without_copying()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        using var reference = Net();
        using (no_grad())
            foreach (var (name, b) in reference.named_buffers())
                if (name.EndsWith("running_var", StringComparison.Ordinal)) b.uniform_(0.5, 2);
        reference.eval();
        var state = reference.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        using var skeleton = Net(META);
        Assert.All(skeleton.parameters(), p => Assert.Equal(DeviceType.META, p.device.type));
        Assert.All(skeleton.buffers(), b => Assert.Equal(DeviceType.META, b.device.type));

        StateAssign.Assign(skeleton, state);
        skeleton.eval();
        var mine = skeleton.state_dict();
        foreach (var (key, t) in state)
        {
            Assert.Equal(DeviceType.CPU, mine[key].device.type);
            if (!t.is_floating_point()) continue;
            using (no_grad()) t.mul_(2); // the same memory, not a copy (doubling and halving are exact)
            TensorAssert.Equal(t, mine[key], key);
            using (no_grad()) t.div_(2);
        }
        Assert.True(skeleton.named_parameters().All(p => p.parameter.requires_grad));
        var x = randn(2, 3, 8, 8);
        using var _ = no_grad();
        TensorAssert.Equal(reference.forward(x), skeleton.forward(x), "output");
        foreach (var t in state.Values) t.Dispose(); // the caller's references may go: the module keeps its own
        TensorAssert.Equal(reference.forward(x), skeleton.forward(x), "output after the caller disposed its tensors");
    }

    [Fact]
    public void Tensors_of_another_dtype_are_converted_and_unknown_modules_are_refused()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 2, 1, device: META);
        var weight = randn(2, 2, 1, 1, dtype: float64);
        StateAssign.Assign(conv, new Dictionary<string, Tensor> { ["weight"] = weight, ["bias"] = zeros(2, dtype: float64) });
        Assert.Equal(ScalarType.Float32, conv.weight!.dtype);
        TensorAssert.Equal(weight.to(float32), conv.weight, "converted weight");

        using var scaled = new Scaled();
        var e = Assert.Throws<InvalidOperationException>(() => StateAssign.Assign(scaled, new Dictionary<string, Tensor> { ["scale"] = ones(2) }));
        Assert.Contains("IAssignableState", e.Message);
    }
}
