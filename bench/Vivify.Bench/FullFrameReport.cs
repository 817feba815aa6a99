using System.Globalization;
using System.Text;
using Vivify.Motion;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench/animate/fullframe-results.md: what full-frame animation costs, as a user runs it. `vivify animate` with
/// --frame paste (crop, track, paste back at 1920×1080), --frame crop (crop and track, the 256×256 crop written)
/// and --frame whole (no tracking, 256×256), each a whole process, one after the other in rounds, on the same
/// portrait, driving video, random vox-256 checkpoint and thread count. A run of N frames and one of 1 frame give
/// the cost per frame without start-up: (T(N) − T(1)) / (N − 1). Then the peak memory of a paste into a 6000×4000 picture.
/// </summary>
public static class FullFrameReport
{
    public static int Run(string[] args)
    {
        var quick = args.Contains("--quick");
        var frames = quick ? 6 : 24;
        var rounds = args.SkipWhile(a => a != "--rounds").Skip(1).FirstOrDefault() is { } r ? int.Parse(r, CultureInfo.InvariantCulture) : quick ? 1 : 3;
        var threads = get_num_threads();
        var root = OpsReport.RepoRoot();
        var vivify = Path.Combine(root, "src", "Vivify.Cli", "bin", "Release", "net10.0", "vivify.dll");
        if (!File.Exists(vivify)) throw new VivifyException($"{vivify} is missing: build with `make build` first");
        var configPath = Path.Combine(root, "configs", "vox-adv-256.yaml");
        var work = Directory.CreateTempSubdirectory("vivify-bench-fullframe-").FullName;
        try
        {
            var checkpoint = AnimateReport.WriteRandomCheckpoint(FommConfig.Load(configPath), Path.Combine(work, "random-vox.pth.tar"));
            var samples = Path.Combine(root, "data", "samples");
            var source = Path.Combine(work, "source-1920x1080.png");
            AnimateProcessReport.Ffmpeg(["-i", Path.Combine(samples, "sample1.jpg"), "-vf", "scale=1920:-2,crop=1920:1080", source]);
            var large = Path.Combine(work, "source-6000x4000.png");
            AnimateProcessReport.Ffmpeg(["-i", Path.Combine(samples, "sample1.jpg"), "-vf", "scale=6000:4000:flags=bicubic", large]);
            // A talking-head stand-in: another portrait, slowly zoomed and panned, 1280×720.
            string Driving(int n)
            {
                var path = Path.Combine(work, $"driving-{n}.mp4");
                AnimateProcessReport.Ffmpeg(["-i", Path.Combine(samples, "sample2.jpg"), "-vf",
                    $"scale=1920:-2,zoompan=z='1.2+0.004*on':x='iw/2-(iw/zoom/2)+40*sin(on/4)':y='ih/2-(ih/zoom/2)':d={n}:s=1280x720:fps=25",
                    "-frames:v", $"{n}", "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", path]);
                return path;
            }
            var clips = new[] { (frames, Driving(frames)), (1, Driving(1)) };
            var modes = new[] { "paste", "crop", "whole" };
            var runs = new List<AnimateProcessReport.Run>();
            for (var round = 0; round < rounds; round++)
                foreach (var (n, clip) in clips)
                    foreach (var mode in modes)
                    {
                        runs.Add(AnimateProcessReport.Time(mode, "1920x1080", n, "dotnet",
                            [vivify, "animate", "-q", "--threads", $"{threads}", "-s", source, "-d", clip, "-c", checkpoint, "--config", configPath,
                                "-o", Path.Combine(work, $"out-{mode}.mp4"), "--frame", mode]));
                        var last = runs[^1];
                        Console.WriteLine($"round {round + 1}/{rounds}, --frame {mode}, {n} frames: {last.Error ?? $"{last.Seconds:F2} s, {last.PeakMb:F0} MB"}");
                    }
            const int largeFrames = 8;
            var largeRun = AnimateProcessReport.Time("paste", "6000x4000", largeFrames, "dotnet",
                [vivify, "animate", "-q", "--threads", $"{threads}", "-s", large, "-d", Driving(largeFrames), "-c", checkpoint, "--config", configPath,
                    "-o", Path.Combine(work, "out-large.mp4"), "--frame", "paste"]);
            Console.WriteLine($"6000x4000 paste, {largeFrames} frames: {largeRun.Error ?? $"{largeRun.Seconds:F2} s, {largeRun.PeakMb:F0} MB"}");

            var md = Markdown(runs, largeRun, modes, frames, rounds, threads);
            Console.WriteLine(md);
            var outPath = Path.Combine(root, "bench", "animate", "fullframe-results.md");
            File.WriteAllText(outPath, md);
            Console.WriteLine($"written {outPath}");
            return 0;
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static string Markdown(List<AnimateProcessReport.Run> runs, AnimateProcessReport.Run large, string[] modes, int frames, int rounds, int threads)
    {
        static double Median(IEnumerable<double> xs) { var a = xs.Where(x => !double.IsNaN(x)).Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
        double Seconds(string mode, int n) => Median(runs.Where(x => x.Implementation == mode && x.Frames == n).Select(x => x.Seconds));
        double PerFrame(string mode) => (Seconds(mode, frames) - Seconds(mode, 1)) / (frames - 1);
        var md = new StringBuilder();
        md.AppendLine("# Full-frame animation: paste-back and tracking, per frame (issue #20)");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}; {threads} threads; {DateTime.UtcNow:yyyy-MM-dd}. `dotnet run -c Release --project bench/Vivify.Bench -- fullframe` (after `make build`).");
        md.AppendLine(CultureInfo.InvariantCulture, $"Whole processes: `vivify animate -q --threads {threads} -s source-1920x1080.png -d driving.mp4 -c random-vox.pth.tar --config configs/vox-adv-256.yaml -o out.mp4 --frame MODE`;");
        md.AppendLine(CultureInfo.InvariantCulture, $"source: data/samples/sample1.jpg scaled to 1920 wide and cut to 1920×1080; driving: data/samples/sample2.jpg zoomed and panned (ffmpeg zoompan), 1280×720, H.264.");
        md.AppendLine(CultureInfo.InvariantCulture, $"Median of {rounds} round(s) of every case one after the other; per frame = (T({frames} frames) − T(1 frame)) / {frames - 1}. Peak memory: the process's VmHWM.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"| --frame | output | {frames} frames, s | 1 frame, s | per frame, s | per frame vs crop | vs whole | peak memory |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- |");
        var crop = PerFrame("crop");
        var whole = PerFrame("whole");
        foreach (var mode in modes)
        {
            var peak = runs.Where(x => x.Implementation == mode).Select(x => x.PeakMb).DefaultIfEmpty(double.NaN).Max();
            var output = mode == "paste" ? "1920×1080" : "256×256";
            md.AppendLine(CultureInfo.InvariantCulture, $"| {mode} | {output} | {Seconds(mode, frames):F2} | {Seconds(mode, 1):F2} | {PerFrame(mode):F3} | {(PerFrame(mode) / crop - 1) * 100:+0.0;-0.0} % | {(PerFrame(mode) / whole - 1) * 100:+0.0;-0.0} % | {peak:F0} MB |");
        }
        md.AppendLine();
        md.AppendLine($"A 6000×4000 source (sample1.jpg enlarged), --frame paste, {large.Frames} frames: " +
            (large.Error ?? $"{large.Seconds:F2} s, peak memory {large.PeakMb:F0} MB."));
        foreach (var e in runs.Where(x => x.Error is not null).Select(x => x.Error).Distinct()) md.AppendLine(CultureInfo.InvariantCulture, $"- {e}");
        md.AppendLine();
        md.AppendLine("Target (issue #20): paste-back and tracking add at most 15 % per frame over --frame crop at a 1920×1080 output. Both paste and crop track the driving face (a first pass over the video); whole does not.");
        return md.ToString();
    }
}
