using BenchmarkDotNet.Attributes;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Bench;

/// <summary>
/// The basic operations every Vivify model stands on: a 256→256 3×3 convolution on 1×256×64×64, a
/// 2048² matrix product, in float32 and bfloat16, and the per-call overhead of a tiny elementwise op.
/// bench/ops/torch_ops.py measures the same with Debian's python3-torch in the same run.
/// </summary>
[MemoryDiagnoser(false)]
public class OpsBench
{
    public const double ConvFlops = 2.0 * 256 * 256 * 9 * 64 * 64;
    public const double MatmulFlops = 2.0 * 2048 * 2048 * 2048;

    [Params("float32", "bfloat16")]
    public string DType { get; set; } = "float32";

    private Tensor _x = null!, _w = null!, _a = null!, _b = null!, _tiny = null!;

    [GlobalSetup]
    public void Setup()
    {
        var dt = DType == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float32;
        manual_seed(0);
        _x = randn(1, 256, 64, 64).to(dt);
        _w = (randn(256, 256, 3, 3) * 0.02).to(dt);
        _a = randn(2048, 2048).to(dt);
        _b = randn(2048, 2048).to(dt);
        _tiny = ones(4).to(dt);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var t in new[] { _x, _w, _a, _b, _tiny }) t.Dispose();
    }

    [Benchmark]
    public void Conv2d()
    {
        using var y = nn.functional.conv2d(_x, _w, padding: new long[] { 1, 1 });
    }

    [Benchmark]
    public void Matmul()
    {
        using var y = _a.matmul(_b);
    }

    [Benchmark]
    public void TinyAdd()
    {
        using var y = _tiny.add(_tiny);
    }
}
