using System.Globalization;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.TestSupport;

/// <summary>
/// Exchanges named tensors with a test's python script through a folder: <c>manifest.tsv</c> (one line per
/// tensor: name, dtype, comma-separated shape) and one raw little-endian <c>NAME.bin</c> per tensor
/// (numpy's <c>tofile</c>). Python side: <see cref="PythonHelpers"/> defines <c>save_tensors(dir, dict)</c>
/// and <c>load_tensors(dir)</c>. Dtypes: float32, float64, float16, int64.
/// </summary>
public static class TensorFiles
{
    /// <summary>Python source to prepend to a test script (needs torch and numpy).</summary>
    public const string PythonHelpers = """
        import os, numpy as np, torch
        _NP = {'float32': np.float32, 'float64': np.float64, 'float16': np.float16, 'int64': np.int64}
        def save_tensors(d, tensors):
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, 'manifest.tsv'), 'w') as m:
                for name, t in tensors.items():
                    t = t.detach().cpu().contiguous()
                    dt = str(t.dtype).replace('torch.', '')
                    t.numpy().astype(_NP[dt]).tofile(os.path.join(d, name + '.bin'))
                    m.write('%s\t%s\t%s\n' % (name, dt, ','.join(str(s) for s in t.shape)))
        def load_tensors(d):
            out = {}
            for line in open(os.path.join(d, 'manifest.tsv')):
                name, dt, shape = line.rstrip('\n').split('\t')
                shape = [int(s) for s in shape.split(',')] if shape else []
                a = np.fromfile(os.path.join(d, name + '.bin'), dtype=_NP[dt]).reshape(shape)
                out[name] = torch.from_numpy(a.copy())
            return out

        """;

    /// <summary>Reads every tensor of a folder written by <c>save_tensors</c>, in manifest order.</summary>
    public static Dictionary<string, Tensor> Read(string dir)
    {
        var result = new Dictionary<string, Tensor>();
        foreach (var line in File.ReadAllLines(Path.Combine(dir, "manifest.tsv")))
        {
            if (line.Length == 0) continue;
            var parts = line.Split('\t');
            var shape = parts[2].Length == 0 ? Array.Empty<long>() : parts[2].Split(',').Select(s => long.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            var bytes = File.ReadAllBytes(Path.Combine(dir, parts[0] + ".bin"));
            result[parts[0]] = parts[1] switch
            {
                "float32" => tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape),
                "float64" => tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape),
                "int64" => tensor(MemoryMarshal.Cast<byte, long>(bytes).ToArray(), shape),
                "float16" => tensor(MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray(), shape).to(float16),
                _ => throw new NotSupportedException($"dtype {parts[1]} in {dir}"),
            };
        }
        return result;
    }

    /// <summary>Writes tensors for a python script's <c>load_tensors</c>.</summary>
    public static void Write(string dir, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        Directory.CreateDirectory(dir);
        using var manifest = new StreamWriter(Path.Combine(dir, "manifest.tsv"));
        foreach (var (name, t) in tensors)
        {
            using var c = t.detach().cpu().contiguous();
            var (dt, bytes) = c.dtype switch
            {
                ScalarType.Float32 => ("float32", MemoryMarshal.AsBytes(c.data<float>().ToArray().AsSpan()).ToArray()),
                ScalarType.Float64 => ("float64", MemoryMarshal.AsBytes(c.data<double>().ToArray().AsSpan()).ToArray()),
                ScalarType.Int64 => ("int64", MemoryMarshal.AsBytes(c.data<long>().ToArray().AsSpan()).ToArray()),
                _ => throw new NotSupportedException($"dtype {c.dtype} for {name}"),
            };
            File.WriteAllBytes(Path.Combine(dir, name + ".bin"), bytes);
            manifest.WriteLine($"{name}\t{dt}\t{string.Join(",", c.shape)}");
        }
    }

    /// <summary>
    /// A fresh empty folder under the system temp folder for one test's exchange, removed when the test process exits
    /// (not when the test ends: a failing test's files stay for the rest of the run).
    /// </summary>
    public static string TempDir(string prefix)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"vivify-{prefix}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        lock (Made)
        {
            if (Made.Count == 0) AppDomain.CurrentDomain.ProcessExit += (_, _) => RemoveAll();
            Made.Add(dir);
        }
        return dir;
    }

    private static readonly List<string> Made = [];

    private static void RemoveAll()
    {
        lock (Made)
            foreach (var dir in Made)
                try { Directory.Delete(dir, recursive: true); }
                catch (IOException) { } // already gone, or busy: the system's temp cleaning takes it
                catch (UnauthorizedAccessException) { }
    }
}
