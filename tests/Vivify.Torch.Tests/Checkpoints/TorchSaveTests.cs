using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

/// <summary>Checkpoints written by <see cref="TorchSave"/> load in the real PyTorch (/usr/bin/python3) with every value exact.</summary>
public sealed class TorchSaveTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-torchsave-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A state dict with every dtype, views, 0-d and empty tensors, like a published model's.</summary>
    private static PyDict StateDict()
    {
        manual_seed(1234);
        var sd = new PyDict("collections.OrderedDict");
        sd["kp_extractor.conv.weight"] = randn(10, 3, 7, 7);
        sd["kp_extractor.conv.bias"] = randn(10).to(float64);
        sd["kp_extractor.norm.running_mean"] = randn(10).to(float16);
        sd["kp_extractor.norm.running_var"] = rand(10).to(bfloat16);
        sd["kp_extractor.norm.num_batches_tracked"] = tensor(1234567L); // 0-d int64
        sd["scale"] = tensor(0.125f); // 0-d float32
        sd["i8"] = randint(-128, 127, new long[] { 2, 3 }).to(int8);
        sd["i16"] = randint(-30000, 30000, new long[] { 4 }).to(int16);
        sd["i32"] = randint(-2000000000, 2000000000, new long[] { 2, 2 }).to(int32);
        sd["u8"] = randint(0, 255, new long[] { 3, 1, 2 }).to(uint8);
        sd["mask"] = rand(5, 2) > 0.5;
        var @base = arange(24f).reshape(2, 3, 4);
        sd["transposed"] = @base.permute(2, 0, 1); // non-contiguous view
        sd["sliced"] = @base[.., 1.., TensorIndex.Slice(null, null, 2)];
        sd["expanded"] = randn(3, 1).expand(3, 4);
        sd["empty"] = zeros(0, 3);
        sd["param"] = randn(2, 2).requires_grad_(true);
        return sd;
    }

    [Fact]
    public void StateDictLoadsWithWeightsOnlyAndEveryValueMatches()
    {
        using var scope = NewDisposeScope();
        var sd = StateDict();
        var root = new PyDict
        {
            ["epoch"] = 42L,
            ["state_dict"] = sd,
            ["arch"] = "ocr-ü-256",
            ["big"] = 1L << 40,
            ["negative"] = -5L,
            ["kernel"] = new PyTuple(3L, 3L),
            ["flags"] = new List<object?> { true, false, null },
            ["by_index"] = new PyDict { [0L] = "zero", [7L] = new PyTuple() },
        };
        var path = Path.Combine(_dir, "model.pth");
        TorchSave.Save(root, path);

        var expected = CheckpointDump.Dump(root);
        var actual = Python.Run(PythonDumper.Source + """

import sys
ck = torch.load(sys.argv[1], weights_only=True)
print(dumps(ck), end="")
""", path);
        Assert.Equal(expected, actual);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void TrainingCheckpointWithOptimizerLoadsAndSharedTensorsStayShared()
    {
        using var scope = NewDisposeScope();
        var sd = StateDict();
        var w = (Tensor)sd["kp_extractor.conv.weight"]!;
        var state = new PyDict
        {
            [0L] = new PyDict { ["step"] = 3L, ["exp_avg"] = zeros_like(w), ["exp_avg_sq"] = ones_like(w) },
            [1L] = new PyDict { ["step"] = 3L, ["exp_avg"] = zeros(10), ["exp_avg_sq"] = ones(10) },
        };
        var groups = new List<object?>
        {
            new PyDict
            {
                ["lr"] = 2e-4, ["betas"] = new PyTuple(0.5, 0.999), ["eps"] = 1e-8, ["weight_decay"] = 0.0,
                ["amsgrad"] = false, ["maximize"] = false, ["foreach"] = null, ["params"] = new List<object?> { 0L, 1L },
            },
        };
        var root = new PyDict
        {
            ["epoch"] = 99L,
            ["generator"] = sd,
            ["optimizer_generator"] = new PyDict { ["state"] = state, ["param_groups"] = groups },
            ["tied"] = w, // the same tensor twice
            ["blob"] = new byte[] { 0, 1, 2, 200, 255 },
            ["loss"] = double.NegativeInfinity,
            ["nan"] = double.NaN,
        };
        var path = Path.Combine(_dir, "00000099-checkpoint.pth.tar");
        TorchSave.Save(root, path);

        // PyTorch 1.13's weights_only unpickler lacks BINFLOAT and _codecs.encode (later versions have both),
        // so a checkpoint with float and bytes values loads there only with weights_only=False.
        var actual = Python.Run(PythonDumper.Source + """

import sys
wo = tuple(int(x) for x in torch.__version__.split(".")[:2]) >= (2, 4)
ck = torch.load(sys.argv[1], weights_only=wo)
print(dumps(ck), end="")
print("tied", ck["tied"] is ck["generator"]["kp_extractor.conv.weight"])
""", path);
        Assert.Equal(CheckpointDump.Dump(root) + "tied True\n", actual);
    }

    [Fact]
    public void ArchiveLayoutIsTorchSaveWithStoredAlignedEntries()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "layout.pt");
        TorchSave.Save(new PyDict { ["a"] = ones(3), ["b"] = arange(5L), ["c"] = tensor(true) }, path);
        var actual = Python.Run("""
import struct, sys, zipfile
raw = open(sys.argv[1], "rb").read()
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for i in z.infolist():
    n, m = struct.unpack("<HH", raw[i.header_offset + 26:i.header_offset + 30])
    start = i.header_offset + 30 + n + m
    print(i.filename, i.compress_type, start % 64, repr(z.read(i.filename)) if not i.filename.endswith("pkl") and "/data/" not in i.filename else i.file_size)
""", path);
        Assert.Equal("""
archive/data.pkl 0 0 PKL
archive/byteorder 0 0 b'little'
archive/data/0 0 0 12
archive/data/1 0 0 40
archive/data/2 0 0 1
archive/version 0 0 b'3\n'

""".Replace("PKL", actual.Split('\n')[0].Split(' ')[^1]).ReplaceLineEndings("\n").TrimStart('\n'), actual);
    }

    [Fact]
    public void FailedSaveLeavesTheOldFileAndNoTemporary()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "keep.pt");
        File.WriteAllText(path, "old");
        var e = Assert.Throws<VivifyException>(() => TorchSave.Save(new PyDict { ["z"] = zeros(2, dtype: complex64) }, path));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
        Assert.Throws<VivifyException>(() => TorchSave.Save(new PyDict { ["o"] = new object() }, path));
        Assert.Equal("old", File.ReadAllText(path));
    }

    [Fact]
    public void StreamSaveUsesTheArchiveName()
    {
        using var scope = NewDisposeScope();
        using var ms = new MemoryStream();
        TorchSave.Save(new List<object?> { ones(2) }, ms, "vox");
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(ms.ToArray()));
        Assert.Equal(new[] { "vox/data.pkl", "vox/byteorder", "vox/data/0", "vox/version" }, zip.Entries.Select(x => x.FullName));
    }
}
