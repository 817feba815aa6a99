using TorchSharp;
using Vivify.Motion.Blocks;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class BatchNormFoldingTests
{
    [Fact]
    public void Folded_models_give_the_same_keypoints_and_predictions_and_keep_their_state_dicts()
    {
        random.manual_seed(9);
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        using (no_grad())
        {
            kp.jacobian!.weight!.normal_(0, 0.05);
            foreach (var (name, t) in gen.named_buffers().Concat(kp.named_buffers()))
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.uniform_(-0.2, 0.2);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) t.uniform_(0.3, 2.0);
            }
            foreach (var (name, t) in gen.named_parameters().Concat(kp.named_parameters()))
                if (name.Contains("norm") && name.EndsWith("weight", StringComparison.Ordinal)) t.uniform_(0.5, 1.5);
        }
        kp.eval();
        gen.eval();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var source = rand(1, 3, 64, 64, generator: new Generator(1));
        var driving = rand(2, 3, 64, 64, generator: new Generator(2));
        var keysBefore = gen.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());

        var ks = kp.forward(source);
        var kd = kp.forward(driving);
        var expected = gen.forward(source, kd, ks);

        Assert.Equal(13, BatchNormFolding.Fold(gen)); // first, 2 down, 2 up, 2 res blocks (norm2 into conv1), dense-motion hourglass 3 down + 3 up
        Assert.True(BatchNormFolding.Fold(kp) > 0);
        var ks2 = kp.forward(source);
        var kd2 = kp.forward(driving);
        TensorAssert.AllCloseAbs(ks.value, ks2.value, 1e-5, "kp_source after folding");
        TensorAssert.AllCloseAbs(kd.jacobian!, kd2.jacobian!, 1e-5, "kp_driving jacobian after folding");
        var actual = gen.forward(source, kd2, ks2);
        TensorAssert.AllCloseAbs(expected.prediction, actual.prediction, 1e-5, "prediction after folding");
        TensorAssert.AllCloseAbs(expected.deformation!, actual.deformation!, 1e-5, "deformation after folding");

        foreach (var (key, value) in gen.state_dict())
            TensorAssert.AllCloseAbs(keysBefore[key], value, 0, key);
    }
}
