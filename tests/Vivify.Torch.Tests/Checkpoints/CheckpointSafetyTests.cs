using System.IO.Compression;
using System.Text;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>Checkpoints that would run code, and files that are missing or damaged, fail with one clear line.</summary>
public class CheckpointSafetyTests
{
    private static byte[] B(string latin1) => Encoding.Latin1.GetBytes(latin1);

    // Protocol 2: GLOBAL 'posix system', ('ls',), REDUCE — what pickle.dumps of os.system('ls') looks like.
    private static readonly byte[] PosixSystem = B("\u0080\u0002cposix\nsystem\nq\u0000X\u0002\u0000\u0000\u0000lsq\u0001\u0085q\u0002Rq\u0003.");

    [Fact]
    public void RefusesOsSystemNamingTheGlobal()
    {
        var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(new MemoryStream(PosixSystem), "X.pth"));
        Assert.Equal("checkpoint X.pth: refuses to load global 'posix.system' (not a tensor, container or module class); only load checkpoints you trust", e.Message);
        Assert.IsAssignableFrom<VivifyException>(e);
    }

    [Fact]
    public void RefusesBuiltinsEvalInsideAZipCheckpointEvenWithModuleClassesAllowed()
    {
        // Protocol 4: SHORT_BINUNICODE 'builtins', 'eval', STACK_GLOBAL, ("1+1",), REDUCE.
        var pkl = B("\u0080\u0004\u008c\u0008builtins\u008c\u0004eval\u0093\u008c\u00031+1\u0085R.");
        var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        using (var s = archive.CreateEntry("evil/data.pkl", CompressionLevel.NoCompression).Open())
            s.Write(pkl);
        zip.Position = 0;
        var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(zip, "evil.pt", TorchLoadOptions.PickledModules("models.GeneratorJ")));
        Assert.Equal("builtins.eval", e.Global);
        Assert.StartsWith("checkpoint evil.pt: refuses to load global 'builtins.eval'", e.Message);
    }

    [Fact]
    public void RefusesSubprocessInTheMainPickleOfALegacyCheckpoint()
    {
        var head = File.ReadAllBytes(Fixtures.Path("fomm", "checkpoint-legacy.pth.tar"))[..200];
        var legacy = new MemoryStream();
        // Magic number, protocol version and sys_info pickles of the real file, then a hostile main pickle.
        legacy.Write(PrefixOfThreePickles(head));
        legacy.Write(B("\u0080\u0002csubprocess\nPopen\nX\u0002\u0000\u0000\u0000ls\u0085R."));
        legacy.Position = 0;
        var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(legacy, "old.pth.tar"));
        Assert.Equal("subprocess.Popen", e.Global);
    }

    [Fact]
    public void RefusesAPickleThatPythonBuildsWithReduce()
    {
        var hex = Python.Run("""
import pickle, sys
class Evil:
    def __reduce__(self):
        import os
        return (os.system, ('echo pwned',))
sys.stdout.write(pickle.dumps({'model': Evil()}, protocol=2).hex())
""");
        var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(new MemoryStream(Convert.FromHexString(hex.Trim())), "evil.pkl"));
        Assert.Equal("posix.system", e.Global);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "vivify-no-such-" + Guid.NewGuid().ToString("N") + ".pth");
        var e = Assert.Throws<InvalidInputException>(() => TorchFile.Load(path));
        Assert.Equal($"checkpoint {path} not found: check the path", e.Message);
    }

    [Fact]
    public void TruncatedFilesAreReportedAsTruncatedOrCorrupt()
    {
        foreach (var name in new[] { "checkpoint-legacy.pth.tar", "checkpoint-zip.pth.tar" })
        {
            var bytes = File.ReadAllBytes(Fixtures.Path("fomm", name));
            var path = Path.Combine(Path.GetTempPath(), $"vivify-truncated-{Guid.NewGuid():N}-{name}");
            File.WriteAllBytes(path, bytes[..(bytes.Length * 2 / 3)]);
            try
            {
                var e = Assert.Throws<CheckpointFormatException>(() => TorchFile.Load(path));
                Assert.StartsWith($"checkpoint {path}: file is truncated or corrupt (", e.Message);
                Assert.EndsWith("); re-download or re-save it", e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
            finally { File.Delete(path); }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("hello, not a checkpoint")]
    [InlineData("\u0080\u0002\u008a")]
    [InlineData("\u0080\u0002(((((((((((((((((((((((((")]
    public void GarbageIsCorrupt(string content)
    {
        var e = Assert.Throws<CheckpointFormatException>(() => TorchFile.Load(new MemoryStream(B(content)), "junk.pth"));
        Assert.StartsWith("checkpoint junk.pth: file is truncated or corrupt", e.Message);
    }

    [Fact]
    public void HugeLengthFieldsFailWithoutAllocating()
    {
        // BINUNICODE8 / BINBYTES8 claiming 2^62 bytes, LONG4 claiming 2 GB, a FRAME past the end.
        foreach (var p in new[] { "\u0080\u0004\u008d\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0040", "\u0080\u0004\u008e\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f",
                                  "\u0080\u0002\u008b\u00ff\u00ff\u00ff\u007f", "\u0080\u0004\u0095\u0000\u0000\u0000\u0000\u0001\u0000\u0000\u0000." })
        {
            var e = Assert.Throws<CheckpointFormatException>(() => TorchFile.Load(new MemoryStream(B(p)), "big.pth"));
            Assert.Contains("truncated or corrupt", e.Message);
        }
    }

    [Fact]
    public void DeeplyNestedTuplesAreRefusedNotOverflowed()
    {
        // x = (); then 200 000 times x = (x,): cheap to write, would overflow a recursive hash.
        var sb = new StringBuilder("\u0080\u0002)");
        sb.Append('\u0085', 200_000);
        sb.Append('.');
        var e = Assert.Throws<PickleFormatException>(() => TorchSaveInteropTests.Unpickle(B(sb.ToString())));
        Assert.Contains("nested deeper", e.Message);
        // Shared sub-tuples: t = (t, t) thirty times is 2^30 nodes as a tree.
        var dag = new StringBuilder("\u0080\u0002)");
        for (var i = 0; i < 30; i++) dag.Append("\u0032\u0086"); // DUP, TUPLE2
        dag.Append('.');
        Assert.Throws<PickleFormatException>(() => TorchSaveInteropTests.Unpickle(B(dag.ToString())));
        // 200 000 MARKs: bounded, not hoarded.
        var marks = Assert.Throws<PickleFormatException>(() => TorchSaveInteropTests.Unpickle(B("\u0080\u0002" + new string('(', 200_000))));
        Assert.Contains("nested MARKs", marks.Message);
    }

    /// <summary>The bytes of the first three pickles (each ends at its STOP) of a legacy file.</summary>
    private static byte[] PrefixOfThreePickles(byte[] head)
    {
        using var ms = new MemoryStream(head);
        var input = new PickleInput(ms);
        var globals = new PickleGlobals("x", TorchLoadOptions.Default, new TensorFactory(), head.Length);
        for (var i = 0; i < 3; i++) new Unpickler(input, globals, null).Load();
        return head[..(int)input.Position];
    }
}
