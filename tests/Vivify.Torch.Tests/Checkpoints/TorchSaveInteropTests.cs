using System.Globalization;
using System.Numerics;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>Files that PyTorch writes at test time, in every layout and with awkward tensors, read back.</summary>
public class TorchSaveInteropTests
{
    private const string SaveScript = """
import sys, torch
from collections import OrderedDict
base = torch.arange(24, dtype=torch.float32).reshape(4, 6)
obj = OrderedDict([
    ('t', base.t()), ('slice', base[1:3, 2:5]), ('same', base),
    ('h', torch.tensor([1.5, -2.25], dtype=torch.float16)), ('bf', torch.tensor([1.5, 3.0], dtype=torch.bfloat16)),
    ('i32', torch.tensor([[1, -2], [3, 4]], dtype=torch.int32)), ('u8', torch.tensor([0, 255], dtype=torch.uint8)),
    ('b', torch.tensor([True, False])), ('f64', torch.tensor([1e-300], dtype=torch.float64)),
    ('p', torch.nn.Parameter(torch.ones(2))), ('scalar', torch.tensor(7)), ('empty', torch.zeros(0, 3)),
    ('size', torch.Size([2, 3])), ('dtype', torch.float16), ('tuplekey', {(1, 'a'): 2}), ('set', {5}),
    ('bytes', b'\x00\xff'), ('big', 2 ** 80), ('neg', -3), ('f', 0.1), ('none', None), ('text', 'héllo'),
])
torch.save(obj, sys.argv[1], pickle_protocol=int(sys.argv[2]), _use_new_zipfile_serialization=sys.argv[3] == 'zip')
""";

    [Theory]
    [InlineData(2, "zip")]
    [InlineData(4, "zip")]
    [InlineData(2, "legacy")]
    [InlineData(5, "legacy")]
    public void ReadsWhatTorchSaveWrites(int protocol, string layout)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vivify-interop-{Guid.NewGuid():N}.pt");
        try
        {
            Python.Run(SaveScript, path, protocol.ToString(CultureInfo.InvariantCulture), layout);
            using var scope = NewDisposeScope();
            var d = Assert.IsType<PyDict>(TorchFile.Load(path));
            Assert.Equal("collections.OrderedDict", d.TypeName);

            var t = (Tensor)d["t"]!;
            Assert.Equal(new long[] { 6, 4 }, t.shape);
            Assert.Equal(new long[] { 1, 6 }, t.stride());
            Assert.Equal(new float[] { 0, 6, 12, 18, 1, 7 }, t.flatten().data<float>().ToArray()[..6]);
            var slice = (Tensor)d["slice"]!;
            Assert.Equal(new float[] { 8, 9, 10, 14, 15, 16 }, slice.flatten().data<float>().ToArray());
            // One storage behind all three: a change through one shows through the others.
            ((Tensor)d["same"]!).add_(100);
            Assert.Equal(106f, t[0, 1].item<float>());
            Assert.Equal(108f, slice[0, 0].item<float>());

            Assert.Equal(new float[] { 1.5f, -2.25f }, ((Tensor)d["h"]!).to(float32).data<float>().ToArray());
            Assert.Equal(ScalarType.BFloat16, ((Tensor)d["bf"]!).dtype);
            Assert.Equal(new float[] { 1.5f, 3f }, ((Tensor)d["bf"]!).to(float32).data<float>().ToArray());
            Assert.Equal(new[] { 1, -2, 3, 4 }, ((Tensor)d["i32"]!).flatten().data<int>().ToArray());
            Assert.Equal(new byte[] { 0, 255 }, ((Tensor)d["u8"]!).data<byte>().ToArray());
            Assert.Equal(new[] { true, false }, ((Tensor)d["b"]!).data<bool>().ToArray());
            Assert.Equal(1e-300, ((Tensor)d["f64"]!).item<double>());
            var p = (Tensor)d["p"]!;
            Assert.True(p.requires_grad);
            Assert.Equal(7L, ((Tensor)d["scalar"]!).item<long>());
            Assert.Empty(((Tensor)d["scalar"]!).shape);
            Assert.Equal(new long[] { 0, 3 }, ((Tensor)d["empty"]!).shape);

            Assert.Equal(new PyTuple(2L, 3L), d["size"]);
            Assert.Equal(new PyGlobal("torch", "float16"), d["dtype"]);
            Assert.Equal(2L, ((PyDict)d["tuplekey"]!)[new PyTuple(1L, "a")]);
            var set = Assert.IsType<PyObject>(d["set"]);
            Assert.Equal("builtins.set", set.FullName);
            Assert.Equal(new object?[] { 5L }, set.ListItems);
            Assert.Equal(new byte[] { 0, 255 }, d["bytes"]);
            Assert.Equal(BigInteger.Pow(2, 80), d["big"]);
            Assert.Equal(-3L, d["neg"]);
            Assert.Equal(0.1, d["f"]);
            Assert.Null(d["none"]);
            Assert.Equal("héllo", d["text"]);
        }
        finally { File.Delete(path); }
    }

    private const string ModuleScript = """
import sys, torch, torch.nn as nn
torch.manual_seed(0)
m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Sequential(nn.Linear(2, 3), nn.Identity()))
m.register_buffer('scratch', torch.ones(1), persistent=False)
m[1].running_mean += 0.5
m[3][0].bias = None
torch.save(m, sys.argv[1], pickle_protocol=int(sys.argv[2]), _use_new_zipfile_serialization=sys.argv[3] == 'zip')
""";

    [Theory]
    [InlineData(1, "zip")]
    [InlineData(2, "zip")]
    [InlineData(2, "legacy")]
    public void PickledTorchModulesGiveTheirStateDict(int protocol, string layout)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vivify-module-{Guid.NewGuid():N}.pt");
        try
        {
            Python.Run(ModuleScript, path, protocol.ToString(CultureInfo.InvariantCulture), layout);
            using var scope = NewDisposeScope();
            var e = Assert.Throws<CheckpointGlobalRefusedException>(() => TorchFile.Load(path));
            Assert.StartsWith("torch.nn.modules.", e.Global);
            var model = Assert.IsType<PyObject>(TorchFile.Load(path, TorchLoadOptions.PickledModules()));
            Assert.Equal("torch.nn.modules.container.Sequential", model.FullName);
            var state = ModuleState.FromPickledModule(model);
            var expected = FixtureCheckpointTests.PythonLeaves(path, "state_dict");
            Assert.Equal(expected.Select(x => x.Key), state.Keys.Cast<string>());
            foreach (var x in expected) FixtureCheckpointTests.AssertLeaf(x, x.Key, state[x.Key]);
            Assert.DoesNotContain("scratch", state.Keys.Cast<string>());
            Assert.DoesNotContain("3.0.bias", state.Keys.Cast<string>());
        }
        finally { File.Delete(path); }
    }

    private const string PickleScript = """
import sys, pickle, collections
obj = {'ints': [0, 1, -1, 255, 256, 65535, 65536, -2**31, 2**31 - 1, 2**31, 2**63 - 1, -2**63, 2**100, -2**100],
       'floats': [0.0, -1.5, 1e-300, float('inf')], 'text': ['', 'a\nb', 'é€😀', "quote'\"\\"],
       'bytes': [b'', b'\x00\n\xff'], 'flags': [True, False, None],
       'tuples': [(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], 'od': collections.OrderedDict([('z', 1), ('a', 2)]),
       'nested': {'k': [{'x': (1, [2])}]}, 'frozen': frozenset([3]), 'keys': {1: 'one', (2, 'b'): 'tuple', True: 'bool'}}
obj['shared'] = obj['nested']
sys.stdout.write(pickle.dumps(obj, protocol=int(sys.argv[1])).hex())
""";

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void UnpicklesEveryProtocol(int protocol)
    {
        var bytes = Convert.FromHexString(Python.Run(PickleScript, protocol.ToString(CultureInfo.InvariantCulture)).Trim());
        var d = Assert.IsType<PyDict>(Unpickle(bytes));
        var ints = (List<object?>)d["ints"]!;
        Assert.Equal(new object[] { 0L, 1L, -1L, 255L, 256L, 65535L, 65536L, (long)int.MinValue, (long)int.MaxValue, 1L << 31, long.MaxValue, long.MinValue }, ints.Take(12));
        Assert.Equal(BigInteger.Pow(2, 100), ints[12]);
        Assert.Equal(-BigInteger.Pow(2, 100), ints[13]);
        Assert.Equal(new object[] { 0.0, -1.5, 1e-300, double.PositiveInfinity }, (List<object?>)d["floats"]!);
        Assert.Equal(new object[] { "", "a\nb", "é€😀", "quote'\"\\" }, (List<object?>)d["text"]!);
        var bs = (List<object?>)d["bytes"]!;
        Assert.Equal(Array.Empty<byte>(), bs[0]);
        Assert.Equal(new byte[] { 0, 10, 255 }, bs[1]);
        Assert.Equal(new object?[] { true, false, null }, (List<object?>)d["flags"]!);
        Assert.Equal(new object[] { new PyTuple(), new PyTuple(1L), new PyTuple(1L, 2L), new PyTuple(1L, 2L, 3L), new PyTuple(1L, 2L, 3L, 4L) }, (List<object?>)d["tuples"]!);
        var od = Assert.IsType<PyDict>(d["od"]);
        Assert.Equal("collections.OrderedDict", od.TypeName);
        Assert.Equal(new object[] { "z", "a" }, od.Keys);
        Assert.Same(d["nested"], d["shared"]);
        Assert.Equal(new object?[] { 2L }, ((PyTuple)((PyDict)((List<object?>)((PyDict)d["nested"]!)["k"]!)[0]!)["x"]!)[1]);
        Assert.Equal(new object?[] { 3L }, Assert.IsType<PyObject>(d["frozen"]).ListItems);
        var keys = (PyDict)d["keys"]!;
        Assert.Equal("bool", keys[1L]); // Python: True == 1, so the later value replaced the first
        Assert.Equal("tuple", keys[new PyTuple(2L, "b")]);
        Assert.Equal(new[] { "ints.0", "ints.1" }, CheckpointTree.Flatten(d).Select(kv => kv.Key).Take(2));
        Assert.Contains(CheckpointTree.Flatten(d), kv => kv.Key == "keys.(2, 'b')" && (string?)kv.Value == "tuple");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    public void NumpyScalarsBecomeNumbers(int protocol)
    {
        var hex = Python.Run("""
import pickle, sys, numpy as np
obj = {'epoch': np.int64(42), 'loss': np.float32(0.25), 'mse': np.float64(1e-3), 'flag': np.bool_(True),
       'small': np.int8(-3), 'typed': np.dtype('f8').type(2.5)}
sys.stdout.write(pickle.dumps(obj, protocol=int(sys.argv[1])).hex())
""", protocol.ToString(CultureInfo.InvariantCulture));
        var d = Assert.IsType<PyDict>(Unpickle(Convert.FromHexString(hex.Trim())));
        Assert.Equal(42L, d["epoch"]);
        Assert.Equal(0.25, d["loss"]);
        Assert.Equal(1e-3, d["mse"]);
        Assert.Equal(true, d["flag"]);
        Assert.Equal(-3L, d["small"]);
        Assert.Equal(2.5, d["typed"]);
    }

    internal static object? Unpickle(byte[] bytes, TorchLoadOptions? options = null)
    {
        using var ms = new MemoryStream(bytes);
        var globals = new PickleGlobals("test.pkl", options ?? TorchLoadOptions.Default, new TensorFactory(), bytes.Length);
        return new Unpickler(new PickleInput(ms), globals, null).Load();
    }
}

/// <summary>Legacy-format features PyTorch 1.13 no longer writes: storage views and big-endian data.</summary>
public class LegacyFeatureTests
{
    private const string Script = """
import pickle, struct, sys, torch
from collections import OrderedDict
from torch._utils import _rebuild_tensor_v2
class Storage:
    def __init__(self, pid): self.pid = pid
class Tensor:
    def __init__(self, pid, offset, size, stride): self.args = (Storage(pid), offset, size, stride, False, OrderedDict())
    def __reduce__(self): return (_rebuild_tensor_v2, self.args)
class P(pickle.Pickler):
    def persistent_id(self, o): return o.pid if isinstance(o, Storage) else None
big = sys.argv[2] == 'big'
root = lambda view: ('storage', torch.FloatStorage, 'root', 'cpu', 6, view)
obj = {'whole': Tensor(root(None), 0, (2, 3), (3, 1)), 'view': Tensor(root(('v1', 2, 3)), 1, (2,), (1,)),
       'ints': Tensor(('storage', torch.IntStorage, 'i', 'cuda:0', 2, None), 0, (2,), (1,))}
with open(sys.argv[1], 'wb') as f:
    pickle.dump(0x1950a86a20f9469cfc6c, f, protocol=2)
    pickle.dump(1001, f, protocol=2)
    pickle.dump({'protocol_version': 1001, 'little_endian': not big, 'type_sizes': {}}, f, protocol=2)
    P(f, protocol=2).dump(obj)
    pickle.dump(['root', 'i'], f, protocol=2)
    e = '>' if big else '<'
    f.write(struct.pack('<q', 6) + struct.pack(e + '6f', 0, 1, 2, 3, 4, 5))
    f.write(struct.pack('<q', 2) + struct.pack(e + '2i', -7, 70000))
""";

    [Theory]
    [InlineData("little")]
    [InlineData("big")]
    public void ReadsStorageViewsAndByteOrders(string order)
    {
        var path = Path.Combine(Path.GetTempPath(), $"vivify-legacy-{Guid.NewGuid():N}.pth");
        try
        {
            Python.Run(Script, path, order);
            using var scope = NewDisposeScope();
            var d = Assert.IsType<PyDict>(TorchFile.Load(path));
            Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, ((Tensor)d["whole"]!).flatten().data<float>().ToArray());
            // The view is elements [2, 5) of the root storage; the tensor starts one into the view.
            Assert.Equal(new float[] { 3, 4 }, ((Tensor)d["view"]!).data<float>().ToArray());
            Assert.Equal(new[] { -7, 70000 }, ((Tensor)d["ints"]!).data<int>().ToArray());
        }
        finally { File.Delete(path); }
    }
}
