using TorchSharp;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary>fomm/animate-case.pt: the published code's inference (eval mode) with tiny.yaml and checkpoint-legacy.pth.tar.</summary>
[Trait("Category", "Parity")]
public class AnimateParityTests
{
    private const double Atol = 1e-4;

    private static (KeypointDetector kp, OcclusionAwareGenerator gen, Dictionary<string, Tensor> expected) Load()
    {
        var config = FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml"));
        var kp = KeypointDetector.FromConfig(config.model_params);
        var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
        var path = Fixtures.Path("fomm", "checkpoint-legacy.pth.tar");
        FommCheckpoint.LoadForInference(FixtureData.Checkpoint(path), kp, gen, path);
        kp.eval();
        gen.eval();
        return (kp, gen, FixtureData.Case());
    }

    private static Keypoints Kp(Dictionary<string, Tensor> e, string prefix) => new(e[prefix + ".value"], e[prefix + ".jacobian"]);

    private static void Close(Dictionary<string, Tensor> e, string name, Tensor? actual) =>
        TensorAssert.AllCloseAbs(e[name], actual ?? throw new Xunit.Sdk.XunitException(name + " is missing"), Atol, name);

    [Fact]
    public void Keypoints_and_jacobians_of_source_and_driving_frames()
    {
        var (kp, gen, e) = Load();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        var ks = kp.forward(e["source"]);
        var kd = kp.forward(e["driving"]);
        Close(e, "kp_source.value", ks.value);
        Close(e, "kp_source.jacobian", ks.jacobian);
        Close(e, "kp_driving.value", kd.value);
        Close(e, "kp_driving.jacobian", kd.jacobian);
        kp.Dispose(); gen.Dispose();
    }

    [Fact]
    public void Normalised_keypoints_relative_with_and_without_adapted_scale()
    {
        var (kp, gen, e) = Load();
        using var scope = NewDisposeScope();
        var ks = Kp(e, "kp_source");
        var kd = Kp(e, "kp_driving");
        var initial = new Keypoints(kd.value[TensorIndex.Slice(0, 1)], kd.jacobian![TensorIndex.Slice(0, 1)]);
        var adapt = NormalizeKp.normalize_kp(ks, kd, initial, adapt_movement_scale: true, use_relative_movement: true, use_relative_jacobian: true);
        Close(e, "kp_norm.relative_adapt.value", adapt.value);
        Close(e, "kp_norm.relative_adapt.jacobian", adapt.jacobian);
        var rel = NormalizeKp.normalize_kp(ks, kd, initial, adapt_movement_scale: false, use_relative_movement: true, use_relative_jacobian: true);
        Close(e, "kp_norm.relative.value", rel.value);
        Close(e, "kp_norm.relative.jacobian", rel.jacobian);
        // The adapted scale really differs from 1 here, so the two sets differ.
        Assert.True((adapt.value - rel.value).abs().max().item<float>() > 1e-3f);
        kp.Dispose(); gen.Dispose();
    }

    [Fact]
    public void Generator_outputs_with_absolute_driving_keypoints()
    {
        var (kp, gen, e) = Load();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var o = gen.forward(e["source"], Kp(e, "kp_driving"), Kp(e, "kp_source"));
        foreach (var (name, t) in new[] { ("prediction", o.prediction), ("mask", o.mask), ("occlusion_map", o.occlusion_map),
                     ("deformation", o.deformation), ("sparse_deformed", o.sparse_deformed), ("deformed", o.deformed) })
            Close(e, "absolute." + name, t);
        kp.Dispose(); gen.Dispose();
    }

    [Fact]
    public void Generator_outputs_with_relative_adapted_keypoints()
    {
        var (kp, gen, e) = Load();
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        using var o = gen.forward(e["source"], Kp(e, "kp_norm.relative_adapt"), Kp(e, "kp_source"));
        Close(e, "relative_adapt.prediction", o.prediction);
        Close(e, "relative_adapt.occlusion_map", o.occlusion_map);
        Close(e, "relative_adapt.deformation", o.deformation);
        kp.Dispose(); gen.Dispose();
    }
}
