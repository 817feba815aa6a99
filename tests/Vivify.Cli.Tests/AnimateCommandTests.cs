using System.Globalization;
using Vivify.Media;
using Vivify.Motion;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>
/// `vivify animate` in real use: a real portrait (data/samples/sample1.jpg) driven by frames of
/// data/samples/Megamind.avi, through a small random model saved as a published-layout checkpoint.
/// </summary>
public class AnimateCommandTests(Xunit.Abstractions.ITestOutputHelper log)
{
    // PNG frames are the prediction clamped to [0,1] and rounded to 8 bits: at most half a step away,
    // plus float32 differences between the command's path (batch norm folded, frames batched) and the
    // published per-frame computation (about 1e-6 here).
    private const double EightBit = 0.5 / 255 + 1e-4;

    /// <summary>A clip of Megamind.avi's first frames with a synthetic 440 Hz track instead of its own audio.</summary>
    private static string MegamindClip(CliHarness h, int frames)
    {
        var path = h.PathOf("megamind.mp4");
        var seconds = (frames / (2997.0 / 125)).ToString("0.000", CultureInfo.InvariantCulture);
        CliHarness.Ffmpeg("-i", TinyMotionModel.Sample("Megamind.avi"), "-f", "lavfi", "-i", $"sine=frequency=440:sample_rate=44100:duration={seconds}",
            "-map", "0:v:0", "-map", "1:a:0", "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", path);
        return path;
    }

    /// <summary>
    /// A driving directory: 00000.png is the portrait itself (64×64), then Megamind frames at 64×64, then the
    /// portrait moved 12 pixels to the right (a large, known motion).
    /// </summary>
    private static (string Dir, string Portrait) PortraitThenMegamind(CliHarness h, int megamindFrames)
    {
        var dir = Directory.CreateDirectory(h.PathOf("driving")).FullName;
        var portrait = h.PathOf("portrait.png");
        using (var scope = NewDisposeScope())
        {
            var image = Geometry.Resize(ImageIO.Read(TinyMotionModel.Sample("sample1.jpg")), TinyMotionModel.Size, TinyMotionModel.Size);
            ImageIO.Write(portrait, image);
            ImageIO.Write(Path.Combine(dir, $"{megamindFrames + 1:00000}.png"), image.roll(12, 2));
        }
        File.Copy(portrait, Path.Combine(dir, "00000.png"));
        CliHarness.Ffmpeg("-i", TinyMotionModel.Sample("Megamind.avi"), "-frames:v", megamindFrames.ToString(CultureInfo.InvariantCulture),
            "-vf", $"scale={TinyMotionModel.Size}:{TinyMotionModel.Size}:flags=area", "-start_number", "1", Path.Combine(dir, "%05d.png"));
        return (dir, portrait);
    }

    private static string[] Model(CliHarness h)
    {
        var config = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var checkpoint = TinyMotionModel.WriteCheckpoint(h.PathOf("tiny.pth.tar"), config);
        return ["--config", config, "--checkpoint", checkpoint];
    }

    [Fact]
    public void A_real_portrait_driven_by_a_clip_keeps_frame_count_fps_and_audio_at_the_config_size()
    {
        using var h = new CliHarness();
        var clip = MegamindClip(h, 6);
        var clipInfo = MediaProbe.Probe(clip);
        Assert.Equal(6, clipInfo.FrameCount);
        string[] model = Model(h);

        var (code, _, e) = h.Run(["animate", "--source", TinyMotionModel.Sample("sample1.jpg"), "--driving", clip, .. model, "-o", h.PathOf("out.mp4"), "--batch", "4", "--threads", "2"]);
        Assert.True(code == 0, e);
        var info = MediaProbe.Probe(h.PathOf("out.mp4"));
        Assert.Equal((64, 64, 6L), (info.Width, info.Height, info.FrameCount));
        Assert.Equal(clipInfo.Fps, info.Fps, 3);
        Assert.NotNull(info.Audio);
        Assert.Contains("animate: 6 frames in", e);

        (code, _, e) = h.Run(["animate", "-s", TinyMotionModel.Sample("sample1.jpg"), "-d", clip, .. model, "-o", h.PathOf("side.gif"), "--side-by-side", "--adapt-scale", "-q"]);
        Assert.True(code == 0, e);
        Assert.Equal("", e);
        var side = MediaProbe.Probe(h.PathOf("side.gif"));
        Assert.Equal((3 * 64 + 2 * SideBySide.Gap, 64 + BitmapFont.GlyphHeight + 6, 6L), (side.Width, side.Height, side.FrameCount));
        Assert.Equal(["megamind.mp4", "out.mp4", "side.gif", "tiny.pth.tar", "tiny.yaml"], h.Entries());
    }

    [Fact]
    public void Relative_mode_reproduces_the_published_per_frame_loop_and_the_initial_frame_gives_the_source_itself()
    {
        using var h = new CliHarness();
        var (driving, portrait) = PortraitThenMegamind(h, 2);
        string[] model = Model(h);
        var (code, _, e) = h.Run(["animate", "--source", portrait, "--driving", driving, .. model, "-o", h.PathOf("out"), "--batch", "3", "-q"]);
        Assert.True(code == 0, e);
        (code, _, e) = h.Run(["animate", "--source", portrait, "--driving", driving, .. model, "-o", h.PathOf("from2"), "--driving-start", "2", "-q"]);
        Assert.True(code == 0, e);

        // The published make_animation, frame by frame, through the library and the same checkpoint.
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (kp, generator) = (KeypointDetector.FromConfig(FommConfig.Load(model[1]).model_params), OcclusionAwareGenerator.FromConfig(FommConfig.Load(model[1]).model_params));
        FommCheckpoint.LoadForInference(TorchFile.Load(model[3]), kp, generator, model[3]);
        kp.eval(); generator.eval();
        var source = ImageIO.Read(portrait).unsqueeze(0);
        var frames = Enumerable.Range(0, 4).Select(i => ImageIO.Read(Path.Combine(driving, $"{i:00000}.png")).unsqueeze(0)).ToList();
        var kp_source = kp.forward(source);
        Tensor Published(int frame, int initial)
        {
            var kp_norm = NormalizeKp.normalize_kp(kp_source, kp.forward(frames[frame]), kp.forward(frames[initial]), false, true, true);
            return generator.forward(source, kp_norm, kp_source).prediction[0];
        }
        Tensor Output(string dir, int i) => ImageIO.Read(Path.Combine(h.PathOf(dir), $"{i:00000}.png"));

        Assert.Equal(4, Directory.GetFiles(h.PathOf("out"), "*.png").Length);
        Assert.Equal(4, Directory.GetFiles(h.PathOf("from2"), "*.png").Length);
        var itself = generator.forward(source, kp_source, kp_source).prediction[0];
        TensorAssert.AllCloseAbs(itself, Output("out", 0), EightBit, "first frame vs the model's output for the source itself");
        TensorAssert.AllCloseAbs(itself, Output("from2", 2), EightBit, "initial frame 2 vs the model's output for the source itself");
        for (var i = 1; i < 4; i++)
        {
            TensorAssert.AllCloseAbs(Published(i, 0), Output("out", i), EightBit, $"frame {i}");
            TensorAssert.AllCloseAbs(Published(i, 2), Output("from2", i), EightBit, $"frame {i} (initial frame 2)");
        }
        var moved = (Published(3, 0) - itself).abs().max().item<float>();
        log.WriteLine($"largest change between the first and last frame: {moved:E2}");
        // Several tolerances apart: a command that ignored the driving frames would fail the comparisons above.
        Assert.True(moved > 3 * EightBit, "the driving motion changes the output");
        kp.Dispose(); generator.Dispose();
    }

    [Fact]
    public void Bf16_output_stays_within_40_dB_of_fp32()
    {
        using var h = new CliHarness();
        var (driving, portrait) = PortraitThenMegamind(h, 2);
        string[] model = Model(h);
        foreach (var p in new[] { "fp32", "bf16" })
        {
            var (code, _, e) = h.Run(["animate", "-s", portrait, "-d", driving, .. model, "-o", h.PathOf(p), "--precision", p, "-q"]);
            Assert.True(code == 0, e);
        }
        using var scope = NewDisposeScope();
        for (var i = 0; i < 4; i++)
        {
            var a = ImageIO.Read(Path.Combine(h.PathOf("fp32"), $"{i:00000}.png"));
            var b = ImageIO.Read(Path.Combine(h.PathOf("bf16"), $"{i:00000}.png"));
            var psnr = 10 * Math.Log10(1.0 / Math.Max(1e-12, (a - b).pow(2).mean().item<float>()));
            log.WriteLine($"frame {i}: bf16 vs fp32 {psnr:F1} dB");
            Assert.True(psnr >= 40, $"frame {i}: PSNR {psnr:F1} dB < 40 dB");
        }
    }

    [Fact]
    public void A_checkpoint_of_another_config_names_the_key_with_both_shapes_and_leaves_no_output()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("drive.mp4", 3);
        var config = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var wider = TinyMotionModel.WriteConfig(h.PathOf("wider.yaml"), blockExpansion: 16);
        var checkpoint = TinyMotionModel.WriteCheckpoint(h.PathOf("wider.pth.tar"), wider);
        var (code, _, e) = h.Run("animate", "-s", TinyMotionModel.Sample("sample1.jpg"), "-d", clip, "--config", config, "--checkpoint", checkpoint, "-o", h.PathOf("out.mp4"));
        Assert.Equal(1, code);
        Assert.Single(e.TrimEnd().Split('\n'));
        Assert.Contains($"{checkpoint}: 'generator' does not fit the config", e);
        Assert.Contains("first.conv.weight checkpoint [16,3,7,7] vs model [8,3,7,7]", e);
        Assert.Equal(["drive.mp4", "tiny.yaml", "wider.pth.tar", "wider.yaml"], h.Entries());
    }

    [Fact]
    public void A_checkpoint_without_a_generator_lists_the_keys_it_has()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("drive.mp4", 3);
        var config = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var checkpoint = TinyMotionModel.WriteCheckpoint(h.PathOf("kp.pth.tar"), config, 7, "kp_detector");
        var (code, _, e) = h.Run("animate", "-s", TinyMotionModel.Sample("sample1.jpg"), "-d", clip, "--config", config, "--checkpoint", checkpoint, "-o", h.PathOf("out"));
        Assert.Equal(1, code);
        Assert.Single(e.TrimEnd().Split('\n'));
        Assert.Contains("the checkpoint has no 'generator' state dict; its keys are 'kp_detector', 'epoch'", e);
        Assert.False(Directory.Exists(h.PathOf("out")));
    }

    [Fact]
    public void Missing_or_corrupt_inputs_and_bad_options_fail_with_one_line_and_the_right_exit_code()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("drive.mp4", 3);
        string[] model = Model(h);
        var portrait = TinyMotionModel.Sample("sample1.jpg");
        File.WriteAllBytes(h.PathOf("broken.pth.tar"), [0x50, 0x4b, 0x03, 0x04, 1, 2, 3]);
        var cases = new (string[] Args, int Code, string Message)[]
        {
            (["-s", h.PathOf("nobody.jpg"), "-d", clip, .. model], 1, "nobody.jpg: no such file"),
            (["-s", portrait, "-d", h.PathOf("none.mp4"), .. model], 1, "none.mp4"),
            (["-s", portrait, "-d", clip, "--config", model[1], "--checkpoint", h.PathOf("missing.pth.tar")], 1, "missing.pth.tar not found: check the path (--checkpoint)"), // the library names the file, the CLI its option
            (["-s", portrait, "-d", clip, "--config", model[1], "--checkpoint", h.PathOf("broken.pth.tar")], 1, "broken.pth.tar"),
            (["-s", portrait, "-d", clip, "--config", h.PathOf("none.yaml"), "--checkpoint", model[3]], 1, "none.yaml: configuration file not found"),
            (["-s", portrait, "-d", clip, .. model, "--batch", "0"], 2, "--batch 0 must be between 1 and 1024"),
            (["-s", portrait, "-d", clip, .. model, "--driving-start", "3"], 2, "--driving-start 3: "),
            (["-s", portrait, "-d", clip, .. model, "--mode", "absolute", "--adapt-scale"], 2, "use it with --mode relative"),
            (["-s", portrait, "-d", clip, .. model, "--mode", "sideways"], 2, "--mode 'sideways' is not one of relative, absolute"),
            (["-s", portrait, "-d", clip, .. model, "--precision", "fp8"], 2, "--precision 'fp8' is not one of fp32, bf16"),
            // Inputs, config and checkpoint are read at the same time; the errors keep the order of a check one after the other.
            (["-s", h.PathOf("nobody.jpg"), "-d", h.PathOf("none.mp4"), "--config", h.PathOf("none.yaml"), "--checkpoint", h.PathOf("missing.pth.tar")], 1, "nobody.jpg: no such file"),
            (["-s", portrait, "-d", h.PathOf("none.mp4"), "--config", model[1], "--checkpoint", h.PathOf("broken.pth.tar")], 1, "none.mp4"),
            (["-s", portrait, "-d", clip, "--config", h.PathOf("none.yaml"), "--checkpoint", h.PathOf("broken.pth.tar")], 1, "none.yaml: configuration file not found"),
        };
        foreach (var (args, expected, message) in cases)
        {
            var (code, _, e) = h.Run(["animate", .. args, "-o", h.PathOf("out.mp4")]);
            log.WriteLine(e.TrimEnd());
            Assert.True(expected == code, $"{string.Join(' ', args)}: exit {code}: {e}");
            Assert.Contains(message, e);
            Assert.Single(e.TrimEnd().Split('\n'));
        }
        Assert.Equal(["broken.pth.tar", "drive.mp4", "tiny.pth.tar", "tiny.yaml"], h.Entries());
    }

    [Fact]
    public async Task A_run_cancelled_between_frames_exits_130_without_output()
    {
        using var h = new CliHarness();
        var clip = h.ClipWithAudio("drive.mp4", 300, 64, 64, 25);
        string[] model = Model(h);
        using var cts = new CancellationTokenSource();
        var run = Task.Run(() => CliHarness.Run(cts.Token, ["animate", "-s", TinyMotionModel.Sample("sample1.jpg"), "-d", clip, .. model, "-o", h.PathOf("out.mp4"), "--batch", "1"]));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!h.Entries().Any(n => n.Contains(".vivify-tmp-"))) // the writer's temporary: frames are being animated
        {
            Assert.False(run.IsCompleted, "the run ended before it could be interrupted");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no temporary output appeared");
            Thread.Sleep(20);
        }
        Thread.Sleep(300);
        cts.Cancel();
        var (code, _, e) = await run;
        Assert.Equal(130, code);
        Assert.Contains("interrupted", e);
        Assert.DoesNotContain("animate: 300 frames", e);
        Assert.Equal(["drive.mp4", "tiny.pth.tar", "tiny.yaml"], h.Entries());
    }
}
