using System.Globalization;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using TorchSharp;
using Vivify.Media;
using Vivify.Motion;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench/animate: frames per second and peak memory of Vivify's motion transfer (fp32 and bf16, frame
/// batches) against the published code (demo.py's make_animation under Debian's python3-torch, through
/// bench/animate/fomm_published.py) on the same machine, thread count, vox-256 config, random weights
/// and frames. Writes bench/animate/results.md.
/// </summary>
public static class AnimateReport
{
    private sealed record Case(string Precision, int Batch);

    private sealed record Measured(string Label, double FramesPerSecond, double PeakExtraMb, string Note = "");

    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var frames = quick ? 4 : 32;
        var threads = get_num_threads();
        var root = OpsReport.RepoRoot();
        // --config YAML: another model (with --write-checkpoint, e.g. the tiny one of samples/Animate).
        var configPath = args.SkipWhile(a => a != "--config").Skip(1).FirstOrDefault() is { } given
            ? Path.GetFullPath(given) : Path.Combine(root, "configs", "vox-adv-256.yaml");
        var config = FommConfig.Load(configPath);
        var (h, w) = (config.dataset_params.frame_shape[0], config.dataset_params.frame_shape[1]);
        var work = Directory.CreateTempSubdirectory("vivify-bench-animate-").FullName;
        try
        {
            var checkpoint = WriteRandomCheckpoint(config, Path.Combine(work, "random-vox.pth.tar"));
            if (args.SkipWhile(a => a != "--write-checkpoint").Skip(1).FirstOrDefault() is { } keep)
            {
                File.Copy(checkpoint, keep, overwrite: true);
                Console.WriteLine($"written {keep} (random weights of {configPath})");
                return 0;
            }
            var framesPath = Path.Combine(work, "frames.pt");
            using (var scope = NewDisposeScope())
            {
                var g = new Generator(1234);
                var source = rand(3, h, w, generator: g);
                var driving = rand(frames, 3, h, w, generator: g);
                TorchSave.Save(new PyDict { { "source", source }, { "driving", driving } }, framesPath);
            }

            var processOnly = args.Contains("--process-only");
            Case[] cases = processOnly ? [] : quick ? [new("fp32", 1), new("fp32", 4), new("bf16", 4)] : [new("fp32", 1), new("fp32", 4), new("fp32", 8), new("bf16", 1), new("bf16", 4), new("bf16", 8)];
            var results = new List<Measured>();
            foreach (var c in cases)
            {
                var m = MeasureVivify(config, checkpoint, framesPath, c);
                Console.WriteLine($"Vivify {c.Precision} batch {c.Batch}: {m.FramesPerSecond:F2} frames/s, peak +{m.PeakExtraMb:F0} MB");
                results.Add(m);
            }
            var published = processOnly ? new Measured("published", double.NaN, double.NaN, "not run (--process-only)") : MeasurePublished(configPath, checkpoint, framesPath, threads);
            Console.WriteLine(published.Note);
            var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, System.Globalization.CultureInfo.InvariantCulture) : quick ? 1 : 3;
            var process = args.Contains("--loop-only") ? "" : AnimateProcessReport.Measure(work, config, configPath, checkpoint, threads, quick, rounds);
            Write(root, quick, frames, threads, h, w, results, published, process);
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    internal static string WriteRandomCheckpoint(FommConfig config, string path)
    {
        random.manual_seed(0);
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var generator = OcclusionAwareGenerator.FromConfig(config.model_params);
        CalibrateBatchNorms(kp, generator, (int)config.dataset_params.frame_shape[0], (int)config.dataset_params.frame_shape[1]);
        static PyDict State(nn.Module m)
        {
            var d = new PyDict("collections.OrderedDict");
            foreach (var (k, v) in m.state_dict()) d.Add(k, v.detach().clone());
            return d;
        }
        TorchSave.Save(new PyDict { { "generator", State(generator) }, { "kp_detector", State(kp) } }, path);
        return path;
    }

    /// <summary>
    /// The random models' batch norms given the statistics of real frames (data-dependent initialisation): sample1.jpg
    /// as the source and Megamind.avi's first eight frames driving, one training-mode pass with momentum 1. Every layer's
    /// activations are then normalised as in a trained network, so the random model's output has contrast instead of
    /// being a flat grey (screenshots show a texture, and the precisions' differences show). The arithmetic, and so the
    /// speed, is the same. The models are only saved afterwards: their momentum and mode are left as the pass set them.
    /// </summary>
    private static void CalibrateBatchNorms(KeypointDetector kp, OcclusionAwareGenerator generator, int height, int width)
    {
        var samples = Path.Combine(OpsReport.RepoRoot(), "data", "samples");
        using var _ = no_grad();
        using var scope = NewDisposeScope();
        Tensor Square(Tensor image) => Geometry.Resize(Geometry.CenterSquare(image), height, width);
        var driving = stack(VideoSource.Open(Path.Combine(samples, "Megamind.avi")).Frames(0, 8).Select(f => Square(f.ToTensor())).ToArray());
        var n = driving.shape[0];
        var source = Square(ImageIO.Read(Path.Combine(samples, "sample1.jpg"))).unsqueeze(0).expand(n, -1, -1, -1).contiguous();
        foreach (var model in new nn.Module[] { kp, generator })
            foreach (var (_, m) in model.named_modules())
                if (m is TorchSharp.Modules.BatchNorm2d norm) norm.momentum = 1.0;
        kp.train();
        generator.train();
        var both = kp.forward(cat([source, driving]));
        using var kpSource = new Keypoints(both.value.narrow(0, 0, n), both.jacobian?.narrow(0, 0, n));
        using var kpDriving = new Keypoints(both.value.narrow(0, n, n), both.jacobian?.narrow(0, n, n));
        using var output = generator.forward(source, kpDriving, kpSource);
    }

    /// <summary>Models loaded fresh (batch-norm folding and bf16 conversion change them), one warm-up batch, then the timed run.</summary>
    private static Measured MeasureVivify(FommConfig config, string checkpointPath, string framesPath, Case c)
    {
        using var kp = KeypointDetector.FromConfig(config.model_params);
        using var generator = OcclusionAwareGenerator.FromConfig(config.model_params);
        FommCheckpoint.LoadForInference(CheckpointIO.Load(checkpointPath), kp, generator, checkpointPath);
        kp.eval();
        generator.eval();
        var transfer = new MotionTransfer(kp, generator, foldBatchNorm: true, precision: c.Precision == "bf16" ? ScalarType.BFloat16 : ScalarType.Float32);
        using var data = NewDisposeScope();
        var stored = (PyDict)CheckpointIO.Load(framesPath)!;
        var source = ((Tensor)stored["source"]!).unsqueeze(0);
        var driving = (Tensor)stored["driving"]!;
        var n = driving.shape[0];
        var options = new AnimationOptions(Relative: true);

        void Animate(long count)
        {
            using var prepared = transfer.Prepare(source);
            using var initial = transfer.DetectKeypoints(driving.narrow(0, 0, 1));
            for (long i = 0; i < count; i += c.Batch)
            {
                using var scope = NewDisposeScope();
                var batch = driving.narrow(0, i, Math.Min(c.Batch, count - i));
                var prediction = transfer.Animate(prepared, batch, initial, options);
                _ = prediction.cpu(); // on the CPU, as the published loop copies each prediction to numpy
            }
        }

        GC.Collect(); // tensors replaced by the bf16 conversion and folding are freed by finalizers: before the baseline
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Memory.Trim();
        var baseline = Memory.ResidentKb("VmRSS");
        Memory.ResetPeak();
        Animate(Math.Min(n, c.Batch)); // warm-up
        var clock = Stopwatch.StartNew();
        Animate(n);
        var seconds = clock.Elapsed.TotalSeconds;
        var peak = Memory.ResidentKb("VmHWM");
        return new Measured($"Vivify {c.Precision}, batch {c.Batch}", n / seconds, Math.Max(0, peak - baseline) / 1024.0);
    }

    private static Measured MeasurePublished(string configPath, string checkpoint, string framesPath, int threads)
    {
        var dir = Environment.GetEnvironmentVariable("FOMM_PUBLISHED_DIR");
        if (string.IsNullOrEmpty(dir) || !File.Exists(Path.Combine(dir, "demo.py")))
            return new Measured("published", double.NaN, double.NaN,
                "FOMM_PUBLISHED_DIR is not set to a checkout of github.com/AliaksandrSiarohin/first-order-model (with demo.py): the published code was NOT measured, only Vivify.");
        var script = Path.Combine(OpsReport.RepoRoot(), "bench", "animate", "fomm_published.py");
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { script, configPath, checkpoint, framesPath, threads.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var errTask = p.StandardError.ReadToEndAsync();
            var json = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            var err = errTask.Result;
            if (p.ExitCode != 0)
                return new Measured("published", double.NaN, double.NaN, $"the published code failed (exit {p.ExitCode}): {json.Trim()} {err.Trim().Split('\n').LastOrDefault()}");
            using var doc = JsonDocument.Parse(json);
            var r = doc.RootElement;
            return new Measured($"published demo.py make_animation (torch {r.GetProperty("torch").GetString()}, {r.GetProperty("threads").GetInt32()} threads)",
                r.GetProperty("frames_per_second").GetDouble(), r.GetProperty("peak_extra_mb").GetDouble(), $"published code from FOMM_PUBLISHED_DIR={dir}");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return new Measured("published", double.NaN, double.NaN, "/usr/bin/python3 not found (apt-get install python3-torch): the published code was NOT measured.");
        }
    }

    private static void Write(string root, bool quick, int frames, int threads, int h, int w, List<Measured> ours, Measured published, string process)
    {
        var md = new StringBuilder();
        md.AppendLine("# bench/animate results");
        md.AppendLine();
        if (quick) md.AppendLine("**Smoke run (`--quick`, a handful of frames): not a measurement; run without `--quick` on a quiet machine.**\n");
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}; {threads} threads on both sides; {DateTime.UtcNow:yyyy-MM-dd}.");
        md.AppendLine(CultureInfo.InvariantCulture, $"vox-256 architecture (configs/vox-adv-256.yaml), random weights (seed 0; batch norms holding sample frames' statistics), {h}x{w} frames, relative mode.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Vivify: TorchSharp {typeof(torch).Assembly.GetName().Version?.ToString(3)} / libtorch {__version__}.");
        if (process.Length > 0) md.AppendLine().Append(process).AppendLine();
        if (ours.Count == 0)
        {
            Finish(root, md);
            return;
        }
        md.AppendLine("## The model loop alone");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{frames} random driving frames. Published: {published.Note}");
        md.AppendLine();
        md.AppendLine("| implementation | frames/s | ms/frame | peak working memory | speed vs published |");
        md.AppendLine("| --- | --- | --- | --- | --- |");
        string Row(Measured m) => double.IsNaN(m.FramesPerSecond)
            ? $"| {m.Label} | not measured | | | |"
            : $"| {m.Label} | {m.FramesPerSecond:F2} | {1000 / m.FramesPerSecond:F0} | {m.PeakExtraMb:F0} MB | " +
              (double.IsNaN(published.FramesPerSecond) ? "n/a" : $"{m.FramesPerSecond / published.FramesPerSecond:F2}×") + " |";
        md.AppendLine(Row(published));
        foreach (var m in ours) md.AppendLine(Row(m));
        md.AppendLine();
        md.AppendLine("Timed: source keypoints and features, keypoints of the initial frame, and every driving frame through the keypoint");
        md.AppendLine("detector, normalize_kp and the generator, after one warm-up; decoding and encoding video are not included on either side.");
        md.AppendLine("Peak memory: the highest resident set during warm-up and timed run (VmHWM, reset through /proc/self/clear_refs) minus");
        md.AppendLine("the resident set just before them with the models and frames loaded (freed heap returned first with malloc_trim): the");
        md.AppendLine("working memory of one frame batch. For the published code it includes its copy of the whole driving video as one tensor.");
        Finish(root, md);
    }

    private static void Finish(string root, StringBuilder md)
    {
        var text = md.ToString();
        Console.WriteLine(text);
        var outPath = Path.Combine(root, "bench", "animate", "results.md");
        File.WriteAllText(outPath, text);
        Console.WriteLine($"written {outPath}");
    }

    private static class Memory
    {
        public static long ResidentKb(string field)
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return 0;
        }

        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
        private static extern int MallocTrim(nuint pad);

        /// <summary>Returns freed heap memory to the system, so that an earlier case's memory does not hide this one's.</summary>
        public static void Trim()
        {
            try { _ = MallocTrim(0); } catch (DllNotFoundException) { } catch (EntryPointNotFoundException) { }
        }

        /// <summary>Resets VmHWM to the current resident set (Linux 4.0+).</summary>
        public static void ResetPeak()
        {
            try { File.WriteAllText("/proc/self/clear_refs", "5"); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
