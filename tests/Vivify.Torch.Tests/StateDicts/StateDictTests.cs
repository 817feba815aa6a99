using TorchSharp;
using TorchSharp.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Modules;
using Vivify.Torch.StateDicts;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.StateDicts;

public class StateDictTests
{
    // The same network in PyTorch and in TorchSharp: nested modules, ModuleList, Sequential, batch norm with
    // and without affine, instance norm, group/layer norm, a bias-free conv, transposed conv, spectral norm.
    private const string PythonNet = """
        import torch.nn as nn
        from torch.nn.utils import spectral_norm
        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 4, 3, padding=1)
                self.norm = nn.BatchNorm2d(4)
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.first = nn.Conv2d(3, 3, 1, bias=False)
                self.down_blocks = nn.ModuleList([Block(), Block()])
                self.inorm = nn.InstanceNorm2d(4, affine=True)
                self.bn = nn.BatchNorm2d(4, affine=False)
                self.seq = nn.Sequential(nn.Conv2d(4, 2, 3), nn.ReLU(), nn.BatchNorm2d(2))
                self.up = nn.ConvTranspose2d(4, 2, 3)
                self.gn = nn.GroupNorm(2, 4)
                self.ln = nn.LayerNorm(5)
                self.sn = spectral_norm(nn.Conv2d(4, 4, 3))
                self.lin = spectral_norm(nn.Linear(4, 5))
                self.emb = spectral_norm(nn.Embedding(3, 5))
        for k, v in Net().state_dict().items():
            print('%s\t%s\t%s' % (k, str(v.dtype).replace('torch.', ''), ','.join(str(s) for s in v.shape)))
        """;

    private sealed class Block : nn.Module<Tensor, Tensor>
    {
        public Conv2d conv = nn.Conv2d(3, 4, 3, padding: 1);
        public BatchNorm2d norm = nn.BatchNorm2d(4);
        public Block() : base(nameof(Block)) => RegisterComponents();
        public override Tensor forward(Tensor x) => norm.call(conv.call(x));
    }

    private sealed class Net : nn.Module<Tensor, Tensor>
    {
        public Conv2d first = nn.Conv2d(3, 3, 1, bias: false);
        public ModuleList<nn.Module<Tensor, Tensor>> down_blocks = nn.ModuleList<nn.Module<Tensor, Tensor>>(new Block(), new Block());
        public InstanceNorm2d inorm = nn.InstanceNorm2d(4, affine: true);
        public BatchNorm2d bn = nn.BatchNorm2d(4, affine: false);
        public Sequential seq = nn.Sequential(nn.Conv2d(4, 2, 3), nn.ReLU(), nn.BatchNorm2d(2));
        public ConvTranspose2d up = nn.ConvTranspose2d(4, 2, 3);
        public GroupNorm gn = nn.GroupNorm(2, 4);
        public LayerNorm ln = nn.LayerNorm(5);
        public SpectralNormConv2d sn = new(4, 4, 3);
        public SpectralNormLinear lin = new(4, 5);
        public SpectralNormEmbedding emb = new(3, 5);
        public Net() : base(nameof(Net)) => RegisterComponents();
        public override Tensor forward(Tensor x)
        {
            x = first.call(x);
            return bn.call(inorm.call(down_blocks[0].call(x) + down_blocks[1].call(x)));
        }
    }

    private static string Describe(List<KeyValuePair<string, Tensor>> sd) =>
        string.Join("\n", sd.Select(kv => $"{kv.Key}\t{kv.Value.dtype.ToString().ToLowerInvariant()}\t{string.Join(",", kv.Value.shape)}"));

    [Fact]
    public void KeysOrderDtypesAndShapesEqualPyTorchs()
    {
        using var scope = NewDisposeScope();
        var expected = Python.Run(PythonNet).Trim().Replace("long", "int64");
        Assert.Equal(expected, Describe(StateDict.Of(new Net())));
    }

    [Fact]
    public void TorchSharpsOwnStateDictHasTheSameKeysInAnotherOrder()
    {
        // Documents why StateDict.Of exists: TorchSharp lists all parameters before all buffers.
        using var scope = NewDisposeScope();
        var net = new Net();
        var ours = StateDict.Of(net).Select(kv => kv.Key).ToList();
        var theirs = net.state_dict().Keys.ToList();
        Assert.Equal(ours.OrderBy(k => k, StringComparer.Ordinal), theirs.OrderBy(k => k, StringComparer.Ordinal));
        Assert.NotEqual(ours, theirs);
    }

    [Fact]
    public void NumBatchesTrackedCountsTrainingBatches()
    {
        using var scope = NewDisposeScope();
        var block = new Block();
        block.train();
        block.call(randn(2, 3, 4, 4));
        block.call(randn(2, 3, 4, 4));
        var n = StateDict.Of(block).Single(kv => kv.Key == "norm.num_batches_tracked").Value;
        Assert.Equal(int64, n.dtype);
        Assert.Equal(2L, n.item<long>());
    }

    [Fact]
    public void LoadCopiesIntoTheExistingTensors()
    {
        using var scope = NewDisposeScope();
        var source = new Net();
        source.train();
        source.call(randn(2, 3, 6, 6));
        // Distinct values everywhere: TorchSharp 0.107's GroupNorm leaves its affine parameters uninitialised
        // (torch.empty, no reset), and comparing ones with ones would not show that anything was copied.
        using (no_grad())
            foreach (var (_, t) in StateDict.Of(source))
                if (t.is_floating_point()) t.copy_(randn_like(t));
        var target = new Net();
        var before = StateDict.Of(target).Select(kv => kv.Value).ToList();
        var weight = target.first.weight!;
        var optimizer = new Vivify.Torch.Optim.Adam(target.parameters());

        var result = StateDict.Load(target, StateDict.Of(source));

        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        var after = StateDict.Of(target);
        for (int i = 0; i < after.Count; i++)
        {
            Assert.Same(before[i], after[i].Value);
            TensorAssert.Equal(StateDict.Of(source)[i].Value, after[i].Value, after[i].Key);
        }
        Assert.Same(weight, target.first.weight);
        Assert.True(weight.requires_grad);
        GC.KeepAlive(source); // a collected module frees its parameters, which the comparison above reads
        Assert.True(weight.is_leaf);
        Assert.Contains(optimizer.ParamGroups[0].Params, p => ReferenceEquals(p, weight));
    }

    [Theory]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void LoadConvertsDtypes(ScalarType dtype)
    {
        using var scope = NewDisposeScope();
        var source = new Block();
        var checkpoint = StateDict.Of(source).ToDictionary(kv => kv.Key, kv => kv.Value.is_floating_point() ? kv.Value.to_type(dtype) : kv.Value);
        var target = new Block();
        StateDict.Load(target, checkpoint);
        foreach (var (key, value) in StateDict.Of(target))
        {
            Assert.Equal(key.EndsWith("num_batches_tracked", StringComparison.Ordinal) ? int64 : float32, value.dtype);
            TensorAssert.Equal(checkpoint[key].to_type(value.dtype), value, key);
            Assert.True(value.is_leaf, key + " stays a leaf");
        }
    }

    [Fact]
    public void StrictLoadReportsEveryDifferenceInOneLine()
    {
        using var scope = NewDisposeScope();
        var model = new Net();
        var checkpoint = StateDict.Of(new Net()).ToList();
        // 4 missing, 2 unexpected, 1 shape mismatch.
        checkpoint.RemoveAll(kv => kv.Key is "first.weight" or "down_blocks.1.conv.weight" or "sn.weight_u" or "ln.bias");
        checkpoint.Add(new("extra.weight", zeros(2, 3)));
        checkpoint.Add(new("down_blocks.2.norm.running_mean", zeros(4)));
        var i = checkpoint.FindIndex(kv => kv.Key == "up.weight");
        checkpoint[i] = new("up.weight", zeros(4, 3, 3, 3));
        var before = model.first.weight!.clone();

        var ex = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, checkpoint, source: "vox.pth.tar"));

        Assert.Equal("checkpoint vox.pth.tar does not fit the model: " +
            "4 missing keys (first.weight [3,3,1,1], down_blocks.1.conv.weight [4,3,3,3], ln.bias [5], ... 1 more), " +
            "2 unexpected keys (extra.weight [2,3], down_blocks.2.norm.running_mean [4]), " +
            "1 shape mismatch (up.weight: checkpoint [4,3,3,3], model [4,2,3,3]); use the configuration the checkpoint was trained with",
            ex.Message);
        Assert.DoesNotContain("\n", ex.Message);
        Assert.Equal(new[] { "first.weight", "down_blocks.1.conv.weight", "ln.bias", "sn.weight_u" }, ex.Missing.Select(m => m.Key));
        Assert.Equal(new long[] { 4 }, ex.Missing[3].ModelShape);
        Assert.Equal(new[] { "extra.weight", "down_blocks.2.norm.running_mean" }, ex.Unexpected.Select(m => m.Key));
        Assert.Equal("up.weight", ex.ShapeMismatches.Single().Key);
        Assert.Equal(4 + 2 + 1, ex.FullReport.Split('\n').Length);
        Assert.IsAssignableFrom<VivifyException>(ex);
        TensorAssert.Equal(before, model.first.weight!, "nothing is copied when the load fails");
    }

    [Fact]
    public void NonStrictLoadReturnsWhatItLeftOutButStillRefusesShapeMismatches()
    {
        using var scope = NewDisposeScope();
        var model = new Block();
        var checkpoint = StateDict.Of(new Block()).Where(kv => kv.Key != "norm.running_var").ToList();
        checkpoint.Add(new("head.weight", zeros(1)));
        var result = StateDict.Load(model, checkpoint, strict: false);
        Assert.Equal(new[] { "norm.running_var" }, result.MissingKeys);
        Assert.Equal(new[] { "head.weight" }, result.UnexpectedKeys);
        TensorAssert.Equal(checkpoint[0].Value, model.conv.weight!, "loaded");

        checkpoint[0] = new(checkpoint[0].Key, zeros(1, 1, 1, 1));
        var ex = Assert.Throws<StateDictMismatchException>(() => StateDict.Load(model, checkpoint, strict: false, source: "a.pt"));
        Assert.StartsWith("checkpoint a.pt does not fit the model: 1 shape mismatch (conv.weight: checkpoint [1,1,1,1], model [4,3,3,3])", ex.Message);
    }

    [Fact]
    public void LoadsAPyDictAndRefusesNonTensorValues()
    {
        using var scope = NewDisposeScope();
        var source = new Block();
        var model = new Block();
        var dict = StateDict.ToPyDict(source);
        Assert.Equal("collections.OrderedDict", dict.TypeName);
        StateDict.Load(model, dict);
        TensorAssert.Equal(source.conv.weight!, model.conv.weight!, "conv.weight");

        dict["conv.bias"] = 3L;
        var ex = Assert.Throws<ModelMismatchException>(() => StateDict.Load(model, dict, source: "x.pth"));
        Assert.Contains("x.pth", ex.Message);
        Assert.Contains("conv.bias", ex.Message);
    }
}
