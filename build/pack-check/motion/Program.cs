// Runs First Order Motion Model inference through Vivify.Motion: a small configuration with random weights
// animates a random source picture by two random driving frames.
using Vivify.Motion;
using static TorchSharp.torch;

const string Yaml = """
    dataset_params: {frame_shape: [64, 64, 3]}
    model_params:
      common_params: {num_kp: 10, num_channels: 3, estimate_jacobian: true}
      kp_detector_params: {temperature: 0.1, block_expansion: 8, max_features: 64, scale_factor: 0.25, num_blocks: 3}
      generator_params:
        block_expansion: 8
        max_features: 64
        num_down_blocks: 2
        num_bottleneck_blocks: 2
        estimate_occlusion_map: true
        dense_motion_params: {block_expansion: 8, max_features: 64, num_blocks: 3, scale_factor: 0.25}
      discriminator_params: {scales: [1], block_expansion: 8, max_features: 64, num_blocks: 4, sn: true}
    """;

manual_seed(1);
var config = FommConfig.Parse(Yaml);
using var kp = KeypointDetector.FromConfig(config.model_params);
using var gen = OcclusionAwareGenerator.FromConfig(config.model_params);
kp.eval();
gen.eval();
var transfer = new MotionTransfer(kp, gen);
using var source = transfer.Prepare(rand(1, 3, 64, 64));
var driving = rand(2, 3, 64, 64);
using var initial = transfer.DetectKeypoints(driving[..1]);
var prediction = transfer.Animate(source, driving, initial, new AnimationOptions());
var ok = prediction.shape.SequenceEqual(new long[] { 2, 3, 64, 64 }) && isfinite(prediction).all().item<bool>();
Console.WriteLine($"libtorch {__version__}: prediction [{string.Join(", ", prediction.shape)}], finite: {ok}");
Console.WriteLine($"glibcxx compat: {(File.ReadLines("/proc/self/maps").Any(l => l.EndsWith("/libvivify_glibcxx_compat.so", StringComparison.Ordinal)) ? "loaded" : "not loaded")}");
return ok ? 0 : 1;
