using System.Diagnostics;
using System.Globalization;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// bench `animate-ops`: the operations of vox-256 inference (batch of 4 driving frames, the shapes `vivify animate`
/// runs), each timed alone in float32 and bfloat16, contiguous (NCHW) and channels last, interleaved so that a
/// shared machine slows both alike. Prints ms per call and the bf16 / fp32 ratio: where bf16 loses its advantage.
/// </summary>
public static class AnimateOpsReport
{
    private sealed record Op(string Name, Func<ScalarType, bool, Action> Make);

    public static int Run(string[] args)
    {
        var filter = args.SkipWhile(a => a != "--filter").Skip(1).FirstOrDefault();
        var reps = int.Parse(args.SkipWhile(a => a != "--reps").Skip(1).FirstOrDefault() ?? "5", CultureInfo.InvariantCulture);
        if (args.SkipWhile(a => a != "--threads").Skip(1).FirstOrDefault() is { } t) set_num_threads(int.Parse(t, CultureInfo.InvariantCulture));
        Console.WriteLine($"threads {get_num_threads()}, fastest of {reps} calls (after 2 warm-up calls), ms");
        Console.WriteLine($"{"op",-48} {"fp32 nchw",10} {"fp32 cl",10} {"bf16 nchw",10} {"bf16 cl",10}  bf16cl/fp32cl");
        foreach (var op in Ops().Where(o => filter is null || o.Name.Contains(filter, StringComparison.OrdinalIgnoreCase)))
        {
            var ms = new double[4];
            var i = 0;
            foreach (var dtype in new[] { ScalarType.Float32, Environment.GetEnvironmentVariable("OPS_LOW") == "fp16" ? ScalarType.Float16 : ScalarType.BFloat16 })
                foreach (var cl in new[] { false, true })
                {
                    using var scope = NewDisposeScope();
                    var action = op.Make(dtype, cl);
                    ms[i++] = Time(action, reps);
                }
            Console.WriteLine($"{op.Name,-48} {ms[0],10:F2} {ms[1],10:F2} {ms[2],10:F2} {ms[3],10:F2}  {ms[3] / ms[1],6:F2}");
        }
        return 0;
    }

    private static double Time(Action action, int reps)
    {
        using var _ = no_grad();
        for (var i = 0; i < 2; i++) { using var s = NewDisposeScope(); action(); }
        var best = double.MaxValue;
        for (var i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            using (NewDisposeScope()) action();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }

    private static Tensor Map(long n, long c, long h, long w, ScalarType dtype, bool cl)
    {
        var t = randn(n, c, h, w).to(dtype);
        return cl ? t.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2) : t;
    }

    private static Op Conv(string name, long n, long cin, long cout, long k, long h, long pad, long stride = 1, long groups = 1, long w = 0) =>
        new($"conv {name} {cin}->{cout} k{k} @{h}{(w > 0 ? $"x{w}" : "")} n{n}", (dt, cl) =>
        {
            var x = Map(n, cin, h, w > 0 ? w : h, dt, cl);
            var weight = (randn(cout, cin / groups, k, k) * 0.05).to(dt);
            if (cl && Environment.GetEnvironmentVariable("OPS_WCL") == "1") weight = weight.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
            var b = zeros(cout).to(dt);
            return () => nn.functional.conv2d(x, weight, b, strides: [stride, stride], padding: [pad, pad], groups: groups);
        });

    private static IEnumerable<Op> Ops()
    {
        // generator (batch 4 at 64x64 features, 256x256 frames)
        yield return Conv("gen.bottleneck", 4, 256, 256, 3, 64, 1);
        yield return Conv("gen.up0 (upsampled 2x2)", 4, 256, 512, 2, 64, 1);
        yield return Conv("gen.up1 (upsampled 2x2)", 4, 128, 256, 2, 128, 1);
        yield return Conv("gen.final", 4, 64, 3, 7, 256, 3);
        yield return Conv("gen.first (source)", 1, 3, 64, 7, 256, 3);
        yield return Conv("gen.down0 (source)", 1, 64, 128, 3, 256, 1);
        // dense motion hourglass, 64x64
        yield return Conv("dm.down0", 4, 44, 64, 3, 64, 1);
        yield return Conv("dm.down1", 4, 64, 128, 3, 32, 1);
        yield return Conv("dm.down2", 4, 128, 256, 3, 16, 1);
        yield return Conv("dm.down3", 4, 256, 512, 3, 8, 1);
        yield return Conv("dm.down4", 4, 512, 1024, 3, 4, 1);
        yield return Conv("dm.up4 (nearest+3x3)", 4, 1024, 512, 3, 4, 1);
        yield return Conv("dm.up3 (nearest+3x3)", 4, 1024, 256, 3, 8, 1);
        yield return Conv("dm.up2 (upsampled 2x2)", 4, 512, 512, 2, 8, 1);
        yield return Conv("dm.up1 (upsampled 2x2)", 4, 256, 256, 2, 16, 1);
        yield return Conv("dm.down4 n1", 1, 512, 1024, 3, 4, 1);
        yield return Conv("dm.up4 n1 (nearest+3x3)", 1, 1024, 512, 3, 4, 1);
        yield return Conv("dm.up0 (upsampled 2x2)", 4, 128, 256, 2, 32, 1);
        yield return Conv("dm.mask", 4, 108, 11, 7, 64, 3);
        yield return Conv("dm.occlusion", 4, 108, 1, 7, 64, 3);
        yield return Conv("kp.down0", 4, 3, 64, 3, 64, 1);
        yield return Conv("kp.kp", 4, 35, 10, 7, 64, 0);
        yield return Conv("kp.jacobian", 4, 35, 40, 7, 64, 0);
        yield return Conv("antialias depthwise s4", 4, 3, 3, 13, 268, 0, stride: 4, groups: 3);

        // stylize: reference_P GeneratorJ at 480x640, one frame
        yield return Conv("sty.conv0", 1, 3, 32, 7, 480, 3, w: 640);
        yield return Conv("sty.conv1", 1, 32, 64, 3, 480, 1, stride: 2, w: 640);
        yield return Conv("sty.resnet", 1, 128, 128, 3, 120, 1, w: 160);
        yield return Conv("sty.upconv2 (2x2)", 1, 256, 512, 2, 120, 1, w: 160);
        yield return Conv("sty.upconv1 (2x2)", 1, 192, 512, 2, 240, 1, w: 320);
        yield return Conv("sty.conv_11", 1, 163, 64, 7, 480, 3, w: 640);
        yield return Conv("sty.conv_11 ic176", 1, 176, 64, 7, 480, 3, w: 640);
        yield return Conv("sty.conv_12", 1, 64, 3, 1, 480, 0, w: 640);

        yield return new("grid_sample features 4x256x64x64", (dt, cl) =>
        {
            var x = Map(4, 256, 64, 64, dt, cl);
            var g = (rand(4, 64, 64, 2) * 2 - 1).to(dt);
            return () => nn.functional.grid_sample(x, g, align_corners: false);
        });
        yield return new("grid_sample source 44x3x64x64", (dt, cl) =>
        {
            var x = Map(44, 3, 64, 64, dt, cl);
            var g = (rand(44, 64, 64, 2) * 2 - 1).to(dt);
            return () => nn.functional.grid_sample(x, g, align_corners: false);
        });
        yield return new("grid_sample deformed 4x3x256x256", (dt, cl) =>
        {
            var x = Map(4, 3, 256, 256, dt, cl);
            var g = (rand(4, 256, 256, 2) * 2 - 1).to(dt);
            return () => nn.functional.grid_sample(x, g, align_corners: false);
        });
        yield return new("interpolate bilinear 4x2x64->256", (dt, cl) =>
        {
            var x = Map(4, 2, 64, 64, dt, cl);
            return () => nn.functional.interpolate(x, size: [256, 256], mode: InterpolationMode.Bilinear, align_corners: false);
        });
        yield return new("interpolate nearest x2 4x1024x4", (dt, cl) =>
        {
            var x = Map(4, 1024, 4, 4, dt, cl);
            return () => nn.functional.interpolate(x, scale_factor: [2.0, 2.0]);
        });
        yield return new("batch_norm eval 4x256x64x64", (dt, cl) =>
        {
            var x = Map(4, 256, 64, 64, dt, cl);
            var (m, v, w, b) = (zeros(256).to(dt), ones(256).to(dt), ones(256).to(dt), zeros(256).to(dt));
            return () => nn.functional.batch_norm(x, m, v, w, b, training: false, eps: 1e-5);
        });
        yield return new("relu_ 4x256x64x64", (dt, cl) =>
        {
            var x = Map(4, 256, 64, 64, dt, cl);
            return () => x.relu_();
        });
        yield return new("add_ 4x256x64x64", (dt, cl) =>
        {
            var x = Map(4, 256, 64, 64, dt, cl);
            var y = Map(4, 256, 64, 64, dt, cl);
            return () => x.add_(y);
        });
        yield return new("mul occlusion 4x256x64x64 * 4x1", (dt, cl) =>
        {
            var x = Map(4, 256, 64, 64, dt, cl);
            var o = Map(4, 1, 64, 64, dt, cl);
            return () => x.mul(o);
        });
        yield return new("softmax dim1 4x11x64x64", (dt, cl) =>
        {
            var x = Map(4, 11, 64, 64, dt, cl);
            return () => nn.functional.softmax(x, dim: 1);
        });
        yield return new("sigmoid_ 4x3x256x256", (dt, cl) =>
        {
            var x = Map(4, 3, 256, 256, dt, cl);
            return () => x.sigmoid_();
        });
        yield return new("sigmoid 4x1x64x64", (dt, cl) =>
        {
            var x = Map(4, 1, 64, 64, dt, cl);
            return () => x.sigmoid();
        });
        yield return new("avg_pool2d 1x128x256x256", (dt, cl) =>
        {
            var x = Map(1, 128, 256, 256, dt, cl);
            return () => nn.functional.avg_pool2d(x, 2);
        });
        yield return new("avg_pool2d 4x64x64x64", (dt, cl) =>
        {
            var x = Map(4, 64, 64, 64, dt, cl);
            return () => nn.functional.avg_pool2d(x, 2);
        });
        yield return new("cat dim1 4x(64+44)x64x64", (dt, cl) =>
        {
            var x = Map(4, 64, 64, 64, dt, cl);
            var y = Map(4, 44, 64, 64, dt, cl);
            return () => cat([x, y], 1);
        });
        yield return new("to float32 4x3x256x256 + contiguous", (dt, cl) =>
        {
            var x = Map(4, 3, 256, 256, dt, cl);
            return () => x.to(ScalarType.Float32).contiguous();
        });
        yield return new("interleave copy_ 4x64x256x256", (dt, cl) =>
        {
            var all = Map(4, 256, 129, 129, dt, cl);
            return () =>
            {
                long n = 4, h = 128, w = 128, c = 64;
                if (cl)
                {
                    var phases = all.permute(0, 2, 3, 1);
                    var nhwc = empty(n, 2 * h, 2 * w, c, dtype: dt);
                    var il = nhwc.view(n, h, 2, w, 2, c);
                    for (var py = 0; py < 2; py++)
                        for (var px = 0; px < 2; px++)
                            il.select(2, py).select(3, px).copy_(phases.narrow(3, (2 * py + px) * c, c).narrow(1, py, h).narrow(2, px, w));
                }
                else
                {
                    var o = empty(n, c, 2 * h, 2 * w, dtype: dt);
                    var il = o.view(n, c, h, 2, w, 2);
                    for (var py = 0; py < 2; py++)
                        for (var px = 0; px < 2; px++)
                            il.select(3, py).select(4, px).copy_(all.narrow(1, (2 * py + px) * c, c).narrow(2, py, h).narrow(3, px, w));
                }
            };
        });
        yield return new("sparse deform sum fp32 4x11x2x64x64", (dt, cl) =>
        {
            var sm = randn([4, 11, 64, 64, 2]).permute(0, 1, 4, 2, 3);
            var mu = Map(4, 11, 64, 64, dt, cl).unsqueeze(2);
            return () => sm.mul(mu.to(ScalarType.Float32)).sum(1);
        });
    }
}
