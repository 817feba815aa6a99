using System.Diagnostics;
using System.IO.Compression;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>
/// Damaged checkpoints either load or fail with one <see cref="CheckpointFormatException"/> line naming
/// the file: never another exception, a hang or runaway memory. Mutations (fixed seed) hit the
/// legacy stream, the zip container, and the pickle inside the zip (re-zipped with its storages).
/// </summary>
public class CheckpointFuzzTests
{
    /// <summary>Fixed so failures reproduce; VIVIFY_FUZZ_SEED explores others.</summary>
    public static readonly int Seed = int.TryParse(Environment.GetEnvironmentVariable("VIVIFY_FUZZ_SEED"), out var s) ? s : 1_950_086;
    private const int Cases = 5_000;
    private static readonly TimeSpan PerCase = TimeSpan.FromSeconds(10);
    private const long MaxWorkingSet = 4L << 30;

    private readonly ITestOutputHelper _out;
    public CheckpointFuzzTests(ITestOutputHelper output) => _out = output;

    private sealed record Source(string Name, byte[] Bytes, TorchLoadOptions? Options, List<(string Name, byte[] Data)>? Entries, int PickleIndex)
    {
        /// <summary>The storages, written once; each case adds its data.pkl.</summary>
        public StoredZipTemplate? Storages { get; } =
            Entries is null ? null : new StoredZipTemplate(Entries.Where((_, i) => i != PickleIndex));
    }

    [Fact]
    public void MutatedCheckpointsLoadOrFailWithOneLine()
    {
        var rng = new Random(Seed);
        _out.WriteLine($"fuzz seed {Seed}, {Cases} cases");
        var modules = TorchLoadOptions.PickledModules("models.GeneratorJ", "models.UpsamplingLayer");
        var legacy = Read("fomm", "checkpoint-legacy.pth.tar", null);
        var zip = Read("fomm", "checkpoint-zip.pth.tar", null);
        var animate = Read("fomm", "animate-case.pt", null);
        var train = Read("fomm", "train-case.pt", null);
        var model = Read("stylize", "model_00000.pth", modules);

        // (weight, what): legacy stream, pickles inside zips, raw zip containers.
        var plan = new (int Weight, string Kind, Source Source)[]
        {
            (1300, "legacy", legacy),
            (1000, "zip-pickle", zip), (350, "zip-pickle", animate), (350, "zip-pickle", train), (300, "zip-pickle", model),
            (100, "zip-deflated", animate), (800, "zip-raw", animate), (450, "zip-raw", zip), (150, "zip-storage", train), (200, "zip-raw", train),
        };
        Assert.Equal(Cases, plan.Sum(p => p.Weight));

        var total = Stopwatch.StartNew();
        var outcomes = new Dictionary<string, (int Loaded, int Refused, TimeSpan Time)>();
        var slowest = TimeSpan.Zero;
        var index = 0;
        foreach (var (weight, kind, source) in plan)
        {
            for (var i = 0; i < weight; i++, index++)
            {
                var sw = Stopwatch.StartNew();
                var (bytes, what) = kind switch
                {
                    "legacy" => Mutate(rng, source.Bytes, pickleBias: 90_000),
                    "zip-pickle" => Rezip(source, Mutate(rng, source.Entries![source.PickleIndex].Data, pickleBias: 0), deflate: false),
                    "zip-deflated" => Rezip(source, Mutate(rng, source.Entries![source.PickleIndex].Data, pickleBias: 0), deflate: true),
                    "zip-storage" => TruncateStorage(source, rng),
                    _ => Mutate(rng, source.Bytes, pickleBias: 0),
                };
                var name = $"fuzz-{index}-{source.Name}";
                var loaded = RunBounded(bytes, name, source.Options, $"case {index} ({kind} {source.Name}: {what}, seed {Seed})");
                slowest = sw.Elapsed > slowest ? sw.Elapsed : slowest;
                var key = kind + " " + source.Name;
                outcomes.TryGetValue(key, out var o);
                outcomes[key] = (o.Loaded + (loaded ? 1 : 0), o.Refused + (loaded ? 0 : 1), o.Time + sw.Elapsed);
                if (index % 250 == 0)
                {
                    var ws = Process.GetCurrentProcess().WorkingSet64;
                    Assert.True(ws < MaxWorkingSet, $"working set {ws >> 20} MiB after case {index} (seed {Seed})");
                }
            }
        }
        foreach (var (k, v) in outcomes) _out.WriteLine($"{k}: {v.Loaded} loaded, {v.Refused} refused, {v.Time.TotalSeconds:F1} s");
        _out.WriteLine("failures by cause: " + string.Join(", ", _causes.Select(c => $"{c.Key} {c.Value}")));
        _out.WriteLine($"{Cases} cases in {total.Elapsed.TotalSeconds:F1} s, slowest {slowest.TotalMilliseconds:F0} ms");
        Assert.True(outcomes.Values.Sum(v => v.Refused) > Cases / 4, "mutations should mostly break something");
    }

    /// <summary>
    /// Structural mutations generated at run time (<see cref="HostileCheckpoints.RandomCase"/>: nesting depth, shared
    /// references and their fan-out, cycles, shared long keys, sizes of lists and integers), alone or as the generator
    /// of a checkpoint-shaped dict, in the zip or the legacy format: each loads, lists and converts to both formats and
    /// back, or is refused in one line naming the file; never a stack overflow, a hang or runaway memory.
    /// </summary>
    [Fact]
    public void StructuralMutationsLoadListAndConvertOrFailWithOneLine()
    {
        const int StructuralCases = 150;
        var rng = new Random(Seed);
        var dir = Directory.CreateTempSubdirectory("vivify-fuzz-").FullName;
        var modules = TorchLoadOptions.PickledModules("torch.nn.modules.container.Sequential");
        int loaded = 0, refused = 0;
        try
        {
            for (var i = 0; i < StructuralCases; i++)
            {
                var (what, pickle) = HostileCheckpoints.RandomCase(rng);
                if (rng.Next(2) == 0) (what, pickle) = (what + " as the generator", HostileCheckpoints.InCheckpointDict(pickle));
                var legacy = rng.Next(2) == 0;
                var bytes = legacy ? HostileCheckpoints.Legacy(pickle) : HostileCheckpoints.Zip(pickle);
                var name = $"structural-{i}.pt";
                var label = $"structural case {i} ({(legacy ? "legacy" : "zip")}, {what}, seed {Seed})";
                var message = LoadListConvert(bytes, name, modules, dir, label);
                if (message is not null)
                {
                    refused++;
                    Assert.True(!message.Contains('\n') && message.StartsWith($"checkpoint {name}: ", StringComparison.Ordinal), $"{label}: message not one line naming the file: {message}");
                }
                else loaded++;
                var ws = Process.GetCurrentProcess().WorkingSet64;
                Assert.True(ws < MaxWorkingSet, $"working set {ws >> 20} MiB after {label}");
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
        _out.WriteLine($"{StructuralCases} structural cases: {loaded} loaded, listed and converted, {refused} refused (seed {Seed})");
        Assert.True(loaded > 0 && refused > 0, "the mutations should include both kinds");
    }

    /// <summary>Loads, lists, saves in both formats and reads back on a worker with a time limit; the refusal's message, or null.</summary>
    private static string? LoadListConvert(byte[] bytes, string name, TorchLoadOptions options, string dir, string label)
    {
        var task = Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            object? root;
            try { root = TorchFile.Load(new MemoryStream(bytes, writable: false), name, options); }
            catch (CheckpointFormatException e) { return e.Message; }
            var rows = CheckpointTree.Flatten(root).Count;
            foreach (var ext in new[] { ".safetensors", ".pth" })
            {
                var path = Path.Combine(dir, "case" + ext);
                try { CheckpointIO.Save(root, path); }
                catch (VivifyException e) when (!e.Message.Contains('\n')) { continue; } // e.g. a pickled object that is not a module
                Assert.Equal(rows, CheckpointTree.Flatten(CheckpointIO.Load(path)).Count);
                File.Delete(path);
            }
            return null;
        });
        if (!task.Wait(TimeSpan.FromSeconds(60))) throw new Xunit.Sdk.XunitException($"{label}: no result after 60 s");
        if (task.IsFaulted) throw new Xunit.Sdk.XunitException($"{label}: threw {task.Exception!.InnerException}");
        return task.Result;
    }

    /// <summary>Loads on a worker with a time limit; true when it loaded, false for a CheckpointFormatException.</summary>
    private readonly Dictionary<string, int> _causes = new();

    private bool RunBounded(byte[] bytes, string name, TorchLoadOptions? options, string what)
    {
        var task = Task.Run(() =>
        {
            using var scope = NewDisposeScope();
            try
            {
                var root = TorchFile.Load(new MemoryStream(bytes, writable: false), name, options);
                _ = CheckpointTree.Flatten(root).Count;
                return (Loaded: true, Error: (Exception?)null);
            }
            catch (CheckpointFormatException e) { return (false, e); }
        });
        if (!task.Wait(PerCase)) throw new Xunit.Sdk.XunitException($"{what}: no result after {PerCase.TotalSeconds} s");
        if (task.IsFaulted) throw new Xunit.Sdk.XunitException($"{what}: threw {task.Exception!.InnerException}");
        var (loaded, error) = task.Result;
        if (error is not null)
        {
            var cause = error.InnerException?.GetType().Name ?? error.GetType().Name;
            _causes[cause] = _causes.GetValueOrDefault(cause) + 1;
            // Damage is detected by the reader's own checks or by the zip library, never by a stray fault.
            Assert.True(cause is "PickleFormatException" or "CheckpointGlobalRefusedException" or "CheckpointFormatException"
                or "InvalidDataException" or "EndOfStreamException", $"{what}: failed by accident: {error.InnerException}");
            Assert.True(!error.Message.Contains('\n') && error.Message.StartsWith($"checkpoint {name}: ", StringComparison.Ordinal),
                $"{what}: message not one line naming the file: {error.Message}");
        }
        return loaded;
    }

    private static (byte[], string) Mutate(Random rng, byte[] original, int pickleBias)
    {
        int Offset() => pickleBias > 0 && rng.Next(10) < 7 ? rng.Next(Math.Min(pickleBias, original.Length)) : rng.Next(original.Length);
        var b = (byte[])original.Clone();
        switch (rng.Next(6))
        {
            case 0: // a few random byte flips
                var n = 1 + rng.Next(8);
                for (var i = 0; i < n; i++) b[Offset()] ^= (byte)(1 + rng.Next(255));
                return (b, $"{n} byte flips");
            case 1: // truncation
                var at = Offset();
                return (original[..at], $"truncated at {at}");
            case 2: // a length-like field set to an extreme
                var pos = Offset();
                var width = new[] { 1, 2, 4, 8 }[rng.Next(4)];
                var value = rng.Next(4) switch { 0 => 0xFF, 1 => 0x00, 2 => 0x7F, _ => rng.Next(256) };
                for (var i = 0; i < width && pos + i < b.Length; i++) b[pos + i] = (byte)value;
                return (b, $"{width} bytes at {pos} set to {value:x2}");
            case 3: // a run of random bytes
                var start = Offset();
                var len = 1 + rng.Next(64);
                for (var i = start; i < Math.Min(b.Length, start + len); i++) b[i] = (byte)rng.Next(256);
                return (b, $"{len} random bytes at {start}");
            case 4: // bytes deleted
                var del = Offset();
                var count = Math.Min(1 + rng.Next(16), original.Length - del);
                return ([.. original.AsSpan(0, del), .. original.AsSpan(del + count)], $"{count} bytes deleted at {del}");
            default: // bytes inserted
                var ins = Offset();
                var extra = new byte[1 + rng.Next(16)];
                rng.NextBytes(extra);
                return ([.. original.AsSpan(0, ins), .. extra, .. original.AsSpan(ins)], $"{extra.Length} bytes inserted at {ins}");
        }
    }

    private static (byte[], string) Rezip(Source source, (byte[] Pickle, string What) mutated, bool deflate)
    {
        if (!deflate) return (source.Storages!.With(source.Entries![source.PickleIndex].Name, mutated.Pickle), "data.pkl " + mutated.What);
        var entries = source.Entries!.ToList();
        entries[source.PickleIndex] = (entries[source.PickleIndex].Name, mutated.Pickle);
        return (Zip(entries, deflate: true), "deflated, data.pkl " + mutated.What);
    }

    private static (byte[], string) TruncateStorage(Source source, Random rng)
    {
        var entries = source.Entries!.ToList();
        var i = rng.Next(entries.Count);
        var (name, data) = entries[i];
        var keep = rng.Next(data.Length + 1);
        entries[i] = (name, data[..keep]);
        return (Zip(entries, deflate: rng.Next(2) == 0), $"{name} cut to {keep} of {data.Length} bytes");
    }

    private static byte[] Zip(List<(string Name, byte[] Data)> entries, bool deflate)
    {
        var ms = new MemoryStream();
        using (var archive = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data) in entries)
            {
                using var s = archive.CreateEntry(name, deflate ? CompressionLevel.Fastest : CompressionLevel.NoCompression).Open();
                s.Write(data);
            }
        return ms.ToArray();
    }

    private static Source Read(string folder, string file, TorchLoadOptions? options)
    {
        var bytes = File.ReadAllBytes(Fixtures.Path(folder, file));
        if (bytes[0] != (byte)'P') return new Source(file, bytes, options, null, -1);
        using var archive = new ZipArchive(new MemoryStream(bytes), ZipArchiveMode.Read);
        var entries = archive.Entries.Select(e =>
        {
            using var s = e.Open();
            var data = new byte[e.Length];
            s.ReadExactly(data);
            return (e.FullName, data);
        }).ToList();
        return new Source(file, bytes, options, entries, entries.FindIndex(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)));
    }
}
