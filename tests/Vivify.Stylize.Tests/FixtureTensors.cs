using System.Globalization;
using Vivify.TestSupport;
using static TorchSharp.torch;

namespace Vivify.Stylize.Tests;

/// <summary>
/// Interim fixture access: flattens a fixture's tensors ("generator.conv0.conv.weight", "losses.image", …) with
/// /usr/bin/python3 (python3-torch) into a raw dump in a temporary folder and reads it back.
/// To be replaced by Vivify.Torch.Checkpoints.TorchFile once the reader lands on main.
/// </summary>
internal static class FixtureTensors
{
    private const string Dump = """
import sys, torch
src, dst = sys.argv[1], sys.argv[2]
obj = torch.load(src, map_location='cpu')
out = {}
def walk(p, o):
    if isinstance(o, dict):
        for k, v in o.items(): walk(p + str(k) + '.', v)
    elif torch.is_tensor(o): out[p[:-1]] = o.detach().contiguous()
walk('', obj)
off = 0
with open(dst + '.bin', 'wb') as b, open(dst + '.idx', 'w') as ix:
    for k, t in out.items():
        t = t.double() if t.is_floating_point() else t.long()
        data = t.numpy().tobytes()
        ix.write('%s\t%s\t%s\t%d\n' % (k, 'f' if t.dtype == torch.float64 else 'i', ','.join(map(str, t.shape)), off))
        b.write(data); off += len(data)
""";

    private static readonly Dictionary<string, Dictionary<string, Tensor>> Cache = new();

    public static Dictionary<string, Tensor> Load(params string[] fixture)
    {
        var path = Fixtures.Path(fixture);
        lock (Cache)
        {
            if (Cache.TryGetValue(path, out var hit)) return hit;
            var dst = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "vivify-stylize-" + Guid.NewGuid().ToString("N"));
            Python.Run(Dump, path, dst);
            var result = new Dictionary<string, Tensor>();
            var bytes = File.ReadAllBytes(dst + ".bin");
            foreach (var line in File.ReadAllLines(dst + ".idx"))
            {
                var parts = line.Split('\t');
                var shape = parts[2].Length == 0 ? Array.Empty<long>() : parts[2].Split(',').Select(long.Parse).ToArray();
                var numel = shape.Aggregate(1L, (a, b) => a * b);
                var off = long.Parse(parts[3], CultureInfo.InvariantCulture);
                Tensor t;
                if (parts[1] == "f")
                {
                    var d = new double[numel];
                    Buffer.BlockCopy(bytes, (int)off, d, 0, (int)numel * 8);
                    t = tensor(d).reshape(shape).to(float32);
                }
                else
                {
                    var d = new long[numel];
                    Buffer.BlockCopy(bytes, (int)off, d, 0, (int)numel * 8);
                    t = tensor(d).reshape(shape);
                }
                result[parts[0]] = t;
            }
            File.Delete(dst + ".bin");
            File.Delete(dst + ".idx");
            Cache[path] = result;
            return result;
        }
    }

    /// <summary>Copies every entry with the prefix into the module's state dict; both key sets must be equal.</summary>
    public static void LoadInto(TorchSharp.torch.nn.Module module, Dictionary<string, Tensor> all, string prefix)
    {
        var source = all.Where(kv => kv.Key.StartsWith(prefix + ".", StringComparison.Ordinal))
            .ToDictionary(kv => kv.Key[(prefix.Length + 1)..], kv => kv.Value);
        var target = module.state_dict();
        var missing = target.Keys.Except(source.Keys).ToList();
        var unexpected = source.Keys.Except(target.Keys).ToList();
        if (missing.Count > 0 || unexpected.Count > 0)
            throw new InvalidOperationException($"state dict mismatch: missing [{string.Join(", ", missing)}], unexpected [{string.Join(", ", unexpected)}]");
        using var _ = no_grad();
        foreach (var (k, t) in target) t.copy_(source[k].to(t.dtype));
    }
}
