using System.Diagnostics;
using System.Globalization;
using System.Text;
using Vivify.Media;
using Vivify.Stylize;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Bench;

/// <summary>
/// bench/serve-stylize/repaint-steps.md: how many training steps a repaint needs before a preview shows it, the studio's
/// training without the server: configs/stylize-demo.yaml, no VGG19 (as `vivify serve` without --vgg19), frame 0 of
/// the studio bench's clip (Megamind.avi at 4 s, 640×468), its top half painted magenta and trained for 350 steps, then
/// repainted green, yellow, cyan and magenta as bench/serve-stylize/stylize_latency.py does. After each repaint, every 5
/// steps, the averaged generator stylizes the frame at half size (the previews' 320×234) and the pixel at the middle
/// of the painted half is read: "visible" when within 80 of the colour in each channel. Then up to 150 steps in all
/// and the L1 of the whole frame against the painting (model space). Steps are counted, not seconds, so the load of
/// the machine does not change the figures; the thread count does (float rounding), so it is fixed (--threads, 1).
/// Each seed runs with the repaint's Adam reset (RepaintFocus.ResetGeneratorOptimizer) and without it.
/// </summary>
public static class RepaintStepsReport
{
    private static readonly (string Name, byte[] Rgb)[] Colours =
        [("magenta", [255, 0, 255]), ("green", [0, 255, 0]), ("yellow", [255, 255, 0]), ("cyan", [0, 255, 255]), ("magenta", [255, 0, 255])];

    private const int FirstSteps = 350, MaxSteps = 150, Every = 5;

    public static int Run(string[] args)
    {
        var seeds = Enumerable.Range(0, BenchArgs.PositiveInt(args, "--seeds", 4)).ToArray();
        var threads = BenchArgs.PositiveInt(args, "--threads", 1);
        set_num_threads(threads);
        var root = OpsReport.RepoRoot();
        var framePath = Path.Combine(Path.GetTempPath(), $"vivify-repaint-{Environment.ProcessId}.png");
        try
        {
            var ffmpeg = Process.Start("ffmpeg", ["-v", "error", "-y", "-ss", "4", "-i", Path.Combine(root, "data", "samples", "Megamind.avi"),
                "-frames:v", "1", "-vf", "scale=640:468", framePath])!;
            ffmpeg.WaitForExit();
            if (ffmpeg.ExitCode != 0) throw new VivifyException("ffmpeg could not extract the frame from data/samples/Megamind.avi: run make demo first");
            var config = StylizeConfig.Load(Path.Combine(root, "configs", "stylize-demo.yaml"));
            var frame = ImageIO.ReadFrame(framePath).ToByteTensor();
            var rows = new List<string>();
            foreach (var seed in seeds)
                foreach (var reset in new[] { false, true })
                {
                    var result = RunOne(config, frame, seed, reset);
                    var row = $"| {seed} | {(reset ? "reset" : "kept")} | {string.Join(" | ", result)} |";
                    Console.WriteLine(row);
                    rows.Add(row);
                }
            var md = new StringBuilder();
            md.AppendLine("# bench/serve-stylize: training steps until a repaint shows");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"Machine: {OpsReport.Machine()}, {threads} thread(s); {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; `dotnet bench/Vivify.Bench/bin/Release/net10.0/Vivify.Bench.dll repaint-steps --seeds {seeds.Length} --threads {threads}`.");
            md.AppendLine("What is measured: bench/Vivify.Bench/RepaintStepsReport.cs. Each cell: steps after the repaint until the preview pixel is within 80 of the new colour (every 5 steps; `>150`: not within 150), and the frame's L1 against the painting after 150 steps.");
            md.AppendLine();
            md.AppendLine("| seed | generator's Adam at a repaint | green | yellow | cyan | magenta |");
            md.AppendLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var r in rows) md.AppendLine(r);
            var output = Path.Combine(root, "bench", "serve-stylize", "repaint-steps.md");
            File.WriteAllText(output, md.ToString());
            Console.WriteLine($"wrote {output}");
            return 0;
        }
        finally
        {
            File.Delete(framePath);
        }
    }

    private static List<string> RunOne(StylizeConfig config, Tensor frame, int seed, bool reset)
    {
        manual_seed(seed);
        using var scope = NewDisposeScope();
        var pre = Keyframe.ToModelSpace(frame);
        long h = pre.shape[1], w = pre.shape[2];
        var small = nn.functional.interpolate(pre.unsqueeze(0), size: [h / 2, w / 2], mode: InterpolationMode.Bilinear, align_corners: false);
        Tensor Painted(byte[] rgb)
        {
            var post = frame.clone();
            post[TensorIndex.Colon, TensorIndex.Slice(0, h / 2), TensorIndex.Colon] = tensor(rgb).view(3, 1, 1).expand(3, h / 2, w);
            return Keyframe.ToModelSpace(post);
        }
        using var session = new StylizeSession(config, 3, null, seed) { RepaintFocus = new RepaintFocus { ResetGeneratorOptimizer = reset } };
        session.SetKeyframes([new Keyframe(pre.clone(), Painted(Colours[0].Rgb))]);
        for (var i = 0; i < FirstSteps; i++)
            using (NewDisposeScope()) session.Step();
        var cells = new List<string>();
        foreach (var (_, rgb) in Colours.Skip(1))
        {
            session.SetKeyframes([new Keyframe(pre.clone(), Painted(rgb))]);
            int? visible = null;
            for (var s = 1; s <= MaxSteps; s++)
            {
                using var step = NewDisposeScope();
                session.Step();
                if (visible is not null || s % Every != 0) continue;
                using var preview = session.Stylize(small);
                var pixel = Keyframe.ToImageSpace(preview[0, TensorIndex.Colon, (int)(h / 2 / 4), (int)(w / 4)]).to(ScalarType.Int32).data<int>().ToArray();
                if (pixel.Zip(rgb).All(p => Math.Abs(p.First - p.Second) < 80)) visible = s;
            }
            double l1;
            using (var full = session.Stylize(pre.unsqueeze(0)))
            using (var target = Painted(rgb))
            using (var diff = (full[0] - target).abs().mean())
                l1 = diff.item<float>();
            cells.Add(string.Create(CultureInfo.InvariantCulture, $"{(visible is int v ? v.ToString(CultureInfo.InvariantCulture) : $">{MaxSteps}")} (L1 {l1:0.000})"));
        }
        return cells;
    }
}
