using TorchSharp;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

public class CheckpointLoadTests
{
    private static ModelParams Tiny() => FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml")).model_params;

    private static PyDict ToPyDict(nn.Module m)
    {
        var d = new PyDict("collections.OrderedDict");
        foreach (var (k, v) in m.state_dict()) d.Add(k, v.clone());
        return d;
    }

    [Fact]
    public void A_checkpoint_of_the_same_config_loads_every_tensor()
    {
        random.manual_seed(1);
        using var kpA = KeypointDetector.FromConfig(Tiny());
        using var genA = OcclusionAwareGenerator.FromConfig(Tiny());
        using (no_grad()) foreach (var (_, t) in genA.named_buffers()) if (t.is_floating_point()) t.uniform_(0.5, 1);
        var checkpoint = new PyDict { { "generator", ToPyDict(genA) }, { "kp_detector", ToPyDict(kpA) }, { "epoch", 42L } };

        random.manual_seed(2);
        using var kpB = KeypointDetector.FromConfig(Tiny());
        using var genB = OcclusionAwareGenerator.FromConfig(Tiny());
        FommCheckpoint.LoadForInference(checkpoint, kpB, genB, "ck.pth.tar");
        var b = genB.state_dict();
        foreach (var (k, v) in genA.state_dict()) TensorAssert.AllCloseAbs(v, b[k], 0, k);
        var kb = kpB.state_dict();
        foreach (var (k, v) in kpA.state_dict()) TensorAssert.AllCloseAbs(v, kb[k], 0, k);
    }

    [Fact]
    public void A_checkpoint_of_another_config_lists_the_first_mismatched_keys_with_both_shapes()
    {
        var other = Tiny();
        other.generator_params.dense_motion_params!.block_expansion = 16;
        using var genOther = OcclusionAwareGenerator.FromConfig(other);
        using var gen = OcclusionAwareGenerator.FromConfig(Tiny());
        var e = Assert.Throws<VivifyException>(() => FommCheckpoint.Load(gen, ToPyDict(genOther), "generator", "vox.pth.tar"));
        Assert.StartsWith("vox.pth.tar: 'generator' does not fit the config", e.Message);
        Assert.Contains("dense_motion_network.hourglass.encoder.down_blocks.0.conv.weight checkpoint [32,44,3,3] vs model [16,44,3,3]", e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void A_checkpoint_without_the_generator_says_which_keys_it_has()
    {
        var checkpoint = new PyDict { { "model", new PyDict() }, { "epoch", 3L } };
        var e = Assert.Throws<VivifyException>(() => FommCheckpoint.Section(checkpoint, "generator", "x.pth"));
        Assert.Contains("no 'generator'", e.Message);
        Assert.Contains("'model', 'epoch'", e.Message);
        Assert.Contains("a tensor", Assert.Throws<VivifyException>(() => FommCheckpoint.Section(zeros(1), "generator", "x.pth")).Message);
    }

    [Fact]
    public void Missing_and_unexpected_keys_are_named()
    {
        using var kp = KeypointDetector.FromConfig(Tiny());
        var state = ToPyDict(kp);
        var pruned = new PyDict();
        foreach (var (k, v) in state) if ((string)k != "kp.bias") pruned.Add(k, v);
        pruned.Add("extra.weight", zeros(2));
        var e = Assert.Throws<VivifyException>(() => FommCheckpoint.Load(kp, pruned, "kp_detector", "k.pth"));
        Assert.Contains("kp.bias [10] is missing from the checkpoint", e.Message);
        Assert.Contains("extra.weight [2] is not in the model", e.Message);
    }
}

public class InferenceLoadTests
{
    [Fact]
    public void Models_built_for_inference_hold_the_checkpoint_and_predict_what_copied_models_predict()
    {
        using var scope = NewDisposeScope();
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml")).model_params;
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        using var kpA = KeypointDetector.FromConfig(config);
        using var genA = OcclusionAwareGenerator.FromConfig(config);
        FommCheckpoint.LoadForInference(TorchFile.Load(path), kpA, genA, path);
        kpA.eval();
        genA.eval();

        var checkpoint = TorchFile.Load(path, new TorchLoadOptions { Sections = FommCheckpoint.InferenceSections });
        var (kpB, genB) = FommCheckpoint.ForInference(config, checkpoint, path);
        using (kpB)
        using (genB)
        {
            Assert.False(kpB.training || genB.training);
            foreach (var (a, b) in new[] { (genA.state_dict(), genB.state_dict()), (kpA.state_dict(), kpB.state_dict()) })
                foreach (var (key, t) in a) TensorAssert.Equal(t, b[key], key);
            var e = FixtureData.Case();
            using var _ = no_grad();
            var kp = kpB.forward(e["source"]);
            TensorAssert.AllCloseAbs(e["kp_source.value"], kp.value, 1e-4, "kp_source");
            using var o = genB.forward(e["source"], new Keypoints(e["kp_driving.value"], e["kp_driving.jacobian"]), new Keypoints(e["kp_source.value"], e["kp_source.jacobian"]));
            TensorAssert.AllCloseAbs(e["absolute.prediction"], o.prediction, 1e-4, "prediction");
        }
    }
}
