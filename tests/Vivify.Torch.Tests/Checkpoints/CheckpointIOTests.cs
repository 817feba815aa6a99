using System.Numerics;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>CheckpointIO: containers chosen by name, nested checkpoints through safetensors without loss.</summary>
public sealed class CheckpointIOTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-ckio-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static PyDict Nested(Tensor shared)
    {
        var generator = new PyDict("collections.OrderedDict") { { "first.conv.weight", rand(2, 3, 3, 3) }, { "first.norm.num_batches_tracked", tensor(7L) } };
        var state = new PyDict { { 0L, new PyDict { { "step", tensor(3.0f) }, { "exp_avg", shared } } } };
        var groups = new List<object?> { new PyDict { { "lr", 2e-4 }, { "betas", new PyTuple(0.5, 0.999) }, { "foreach", null }, { "amsgrad", false }, { "params", new List<object?> { 0L } } } };
        return new PyDict
        {
            { "generator", generator },
            { "optimizer", new PyDict { { "state", state }, { "param_groups", groups } } },
            { "epoch", 12L },
            { "huge", BigInteger.Pow(2, 80) },
            { "name", "vox" },
            { "blob", new byte[] { 0, 1, 255 } },
            { new PyTuple(2L, "b"), shared },
            { "half", rand(4).to(bfloat16) },
        };
    }

    [Fact]
    public void A_nested_checkpoint_survives_safetensors_and_back()
    {
        using var scope = NewDisposeScope();
        var shared = rand(5);
        var original = Nested(shared);
        var st = Path.Combine(_dir, "c.safetensors");
        CheckpointIO.Save(original, st);

        var content = SafeTensorsFile.Load(st);
        Assert.Contains(SafeTensorsStructure.MetadataKey, content.Metadata.Keys);
        // Other tools see the dotted names; a tensor referenced twice is stored once.
        Assert.Equal(["generator.first.conv.weight", "generator.first.norm.num_batches_tracked", "optimizer.state.0.step", "optimizer.state.0.exp_avg", "half"],
            content.Tensors.Select(kv => kv.Key).ToArray());

        var back = CheckpointIO.Load(st);
        AssertSame(original, back);
        var pth = Path.Combine(_dir, "c.pth.tar");
        CheckpointIO.Save(back, pth);
        AssertSame(original, CheckpointIO.Load(pth));
    }

    [Fact]
    public void A_plain_state_dict_gets_no_structure_entry()
    {
        using var scope = NewDisposeScope();
        var sd = new PyDict("collections.OrderedDict") { { "a.weight", ones(2, 2) }, { "a.bias", zeros(2) } };
        var st = Path.Combine(_dir, "sd.safetensors");
        CheckpointIO.Save(sd, st);
        Assert.Equal(["format"], SafeTensorsFile.Load(st).Metadata.Keys.ToArray());
        AssertSame(sd, CheckpointIO.Load(st));
    }

    [Fact]
    public void A_safetensors_file_is_recognised_by_its_header_whatever_its_name()
    {
        using var scope = NewDisposeScope();
        var st = Path.Combine(_dir, "w.safetensors");
        CheckpointIO.Save(new PyDict { { "w", arange(6).reshape(2, 3) } }, st);
        var renamed = Path.Combine(_dir, "w.bin");
        File.Copy(st, renamed);
        var loaded = (PyDict)CheckpointIO.Load(renamed)!;
        TensorAssert.Equal(arange(6).reshape(2, 3), (Tensor)loaded["w"]!);
    }

    [Theory]
    [InlineData("model.onnx")]
    [InlineData("model")]
    public void Unknown_output_extensions_are_usage_errors(string name)
    {
        var e = Assert.Throws<OutputConflictException>(() => CheckpointIO.Save(new PyDict(), Path.Combine(_dir, name)));
        Assert.Contains(".safetensors", e.Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void A_damaged_structure_entry_is_a_one_line_error_naming_the_file()
    {
        using var scope = NewDisposeScope();
        var st = Path.Combine(_dir, "bad.safetensors");
        SafeTensorsFile.Save(st, [new("x", ones(1))], new Dictionary<string, string> { [SafeTensorsStructure.MetadataKey] = "{\"dict\": [[\"x\", {\"tensor\": \"y\"}]], \"type\": null}" });
        var e = Assert.Throws<SafeTensorsFormatException>(() => CheckpointIO.Load(st));
        Assert.Contains(st, e.Message);
        Assert.Contains("'y'", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_whole_pickled_module_is_saved_as_its_state_dict()
    {
        using var scope = NewDisposeScope();
        var model = Fixtures.Path("stylize", "model_00000.pth");
        var root = CheckpointIO.Load(model, TorchLoadOptions.PickledModules("models.GeneratorJ", "models.UpsamplingLayer"));
        var expected = ModuleState.FromPickledModule((PyObject)root!);
        var st = Path.Combine(_dir, "g.safetensors");
        CheckpointIO.Save(root, st);
        AssertSame(expected, CheckpointIO.Load(st));
    }

    private static void AssertSame(object? expected, object? actual, string at = "")
    {
        switch (expected)
        {
            case PyDict e:
                var a = Assert.IsType<PyDict>(actual);
                Assert.Equal(e.Keys.ToArray(), a.Keys.ToArray());
                foreach (var (k, v) in e) AssertSame(v, a[k], at + "." + k);
                break;
            case List<object?> l:
                var al = Assert.IsType<List<object?>>(actual);
                Assert.Equal(l.Count, al.Count);
                for (var i = 0; i < l.Count; i++) AssertSame(l[i], al[i], at + "." + i);
                break;
            case PyTuple t:
                var at2 = Assert.IsType<PyTuple>(actual);
                Assert.Equal(t.Count, at2.Count);
                for (var i = 0; i < t.Count; i++) AssertSame(t[i], at2[i], at + "." + i);
                break;
            case Tensor x:
                var y = Assert.IsAssignableFrom<Tensor>(actual);
                Assert.Equal(x.dtype, y.dtype);
                TensorAssert.Equal(x, y, at);
                break;
            case byte[] b:
                Assert.Equal(b, Assert.IsType<byte[]>(actual));
                break;
            default:
                Assert.Equal(expected, actual);
                break;
        }
    }
}
