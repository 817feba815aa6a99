using System.Globalization;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-safetensors-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<KeyValuePair<string, Tensor>> EveryDtype()
    {
        manual_seed(7);
        return new()
        {
            new("f32", randn(3, 4)),
            new("f64", randn(2, 1, 3).to(float64)),
            new("f16", randn(5).to(float16)),
            new("bf16", randn(2, 3).to(bfloat16)),
            new("i64", tensor(new long[] { long.MinValue, -1, 0, long.MaxValue })),
            new("i32", randint(-2000000000, 2000000000, new long[] { 3, 3 }).to(int32)),
            new("i16", randint(-30000, 30000, new long[] { 7 }).to(int16)),
            new("i8", randint(-128, 127, new long[] { 2, 2 }).to(int8)),
            new("u8", randint(0, 255, new long[] { 9 }).to(uint8)),
            new("bool", rand(3, 2) > 0.5),
            new("scalar", tensor(3.5f)),
            new("empty", zeros(0, 4)),
            new("view", arange(12f).reshape(3, 4).t()),
        };
    }

    private static byte[] Bytes(Tensor t) => TensorDtypes.ToBytes(t);

    [Fact]
    public void RoundTripKeepsEveryDtypeShapeValueOrderAndMetadata()
    {
        using var scope = NewDisposeScope();
        var tensors = EveryDtype();
        var path = Path.Combine(_dir, "all.safetensors");
        var meta = new Dictionary<string, string> { ["format"] = "pt", ["note"] = "ü \"quoted\"" };
        SafeTensorsFile.Save(path, tensors, meta);

        var loaded = SafeTensorsFile.Load(path);
        Assert.Equal(tensors.Select(t => t.Key), loaded.Tensors.Select(t => t.Key));
        foreach (var (name, t) in tensors)
        {
            var l = loaded[name];
            Assert.Equal(t.dtype, l.dtype);
            Assert.Equal(t.shape, l.shape);
            Assert.Equal(Bytes(t), Bytes(l));
        }
        Assert.Equal(meta, loaded.Metadata);
        var n = BinaryPrimitives.ReadUInt64LittleEndian(File.ReadAllBytes(path));
        Assert.Equal(0UL, n % 8);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [Fact]
    public void PythonParsesTheHeaderAndDataWithNumpy()
    {
        using var scope = NewDisposeScope();
        var tensors = EveryDtype();
        var path = Path.Combine(_dir, "py.safetensors");
        SafeTensorsFile.Save(path, tensors, new Dictionary<string, string> { ["format"] = "pt" });
        var actual = Python.Run("""
import hashlib, json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0
header = json.loads(raw[8:8 + n].decode("utf-8"))
data = raw[8 + n:]
np_types = {"F32": "<f4", "F64": "<f8", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1", "U8": "u1", "BOOL": "?", "BF16": "<u2"}
print("meta", json.dumps(header.pop("__metadata__"), sort_keys=True))
end = 0
for name, spec in header.items():
    b, e = spec["data_offsets"]
    assert b == end, (name, b, end)
    end = e
    arr = np.frombuffer(data[b:e], dtype=np_types[spec["dtype"]]).reshape(spec["shape"])
    print(name, spec["dtype"], list(arr.shape), hashlib.sha256(arr.tobytes()).hexdigest())
assert end == len(data)
""", path);
        var sb = new StringBuilder("meta {\"format\": \"pt\"}\n");
        foreach (var (name, t) in tensors)
            sb.Append(CultureInfo.InvariantCulture, $"{name} {TensorDtypes.SafeTensorsName(t.dtype)} [{string.Join(", ", t.shape)}] {Convert.ToHexStringLower(SHA256.HashData(Bytes(t)))}\n");
        Assert.Equal(sb.ToString(), actual);

        // and the values themselves, for one float type: numpy's sum equals ours bit for bit
        var f64 = Python.Run("""
import json, struct, sys
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
s = json.loads(raw[8:8 + n])["f64"]
b, e = s["data_offsets"]
print(" ".join(struct.pack(">d", x).hex() for x in np.frombuffer(raw[8 + n + b:8 + n + e], "<f8")))
""", path).Trim();
        var mine = string.Join(" ", tensors.First(t => t.Key == "f64").Value.flatten().data<double>().ToArray()
            .Select(x => BitConverter.DoubleToInt64Bits(x).ToString("x16", CultureInfo.InvariantCulture)));
        Assert.Equal(mine, f64);
    }

    private string WriteRaw(string name, string header, int dataBytes, ulong? headerLength = null)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)h.Length);
        h.CopyTo(file, 8);
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, file);
        return path;
    }

    [Theory]
    [InlineData("bad-json", "{\"a\": {\"dtype\": \"F32\", ", 0, null, "not valid JSON")]
    [InlineData("huge", "{}", 0, 1UL << 62, "100 MB limit")]
    [InlineData("long", "{}", 0, 1000UL, "exceeds the")]
    [InlineData("out-of-range", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}}", 4, null, "beyond the 4 data bytes")]
    [InlineData("size-mismatch", "{\"a\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 8]}}", 8, null, "need 12")]
    [InlineData("overlap", "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"I32\", \"shape\": [1], \"data_offsets\": [4, 8]}}", 8, null, "overlap")]
    [InlineData("reversed", "{\"a\": {\"dtype\": \"F32\", \"shape\": [0], \"data_offsets\": [8, 0]}}", 8, null, "invalid data_offsets")]
    [InlineData("dtype", "{\"a\": {\"dtype\": \"C64\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 8, null, "dtype 'C64'")]
    [InlineData("not-object", "[1, 2]", 0, null, "not a JSON object")]
    [InlineData("metadata", "{\"__metadata__\": {\"a\": 1}}", 0, null, "not a string")]
    public void CorruptFilesGiveOneLineErrorNamingTheFile(string name, string header, int dataBytes, ulong? headerLength, string expected)
    {
        var path = WriteRaw(name + ".safetensors", header, dataBytes, headerLength);
        var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Load(path));
        Assert.IsAssignableFrom<VivifyException>(e);
        Assert.Contains(path, e.Message);
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void TruncatedFilesGiveOneLineError()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "t.safetensors");
        SafeTensorsFile.Save(path, new[] { new KeyValuePair<string, Tensor>("w", ones(100)) });
        var full = File.ReadAllBytes(path);
        foreach (var keep in new[] { 0, 5, 8, 20, full.Length - 1 })
        {
            File.WriteAllBytes(path, full[..keep]);
            var e = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Load(path));
            Assert.Contains(path, e.Message);
            Assert.DoesNotContain('\n', e.Message);
        }
    }

    [Fact]
    public void FailedSaveKeepsTheOldFileAndBadNamesAreRefused()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(_dir, "keep.safetensors");
        File.WriteAllText(path, "old");
        Assert.Throws<VivifyException>(() => SafeTensorsFile.Save(path, new[] { new KeyValuePair<string, Tensor>("c", zeros(2, dtype: complex64)) }));
        Assert.Throws<VivifyException>(() => SafeTensorsFile.Save(path, new[] { new KeyValuePair<string, Tensor>("a", ones(1)), new KeyValuePair<string, Tensor>("a", ones(1)) }));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }
}
