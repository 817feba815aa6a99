using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;
using static Vivify.TestSupport.HostileCheckpoints;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>
/// Structures no PyTorch checkpoint has (see <see cref="HostileCheckpoints"/>) end in one line naming the file,
/// never in a stack overflow or a process killed for memory; nesting up to the limit still loads, lists and converts.
/// </summary>
public class HostileStructureTests
{
    private static readonly TorchLoadOptions Modules = TorchLoadOptions.PickledModules("torch.nn.modules.container.Sequential");

    private static CheckpointFormatException Refused(byte[] file, string name, TorchLoadOptions? options = null)
    {
        var e = Assert.ThrowsAny<CheckpointFormatException>(() => TorchFile.Load(new MemoryStream(file), name, options));
        Assert.StartsWith($"checkpoint {name}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        return e;
    }

    [Theory]
    [InlineData(Container.List, 300_000)]
    [InlineData(Container.Dict, 300_000)]
    [InlineData(Container.OrderedDict, 200_000)]
    [InlineData(Container.Module, 200_000)]
    [InlineData(Container.FrozenSet, 99_000)]
    [InlineData(Container.List, 1_001)]
    public void DeepNestingIsRefusedInBothFormats(Container kind, int depth)
    {
        var pickle = Deep(depth, kind);
        foreach (var (file, name) in new[] { (Zip(pickle), "deep.pt"), (Legacy(pickle), "deep.pth.tar") })
            Assert.Contains("nested deeper than 1000 levels", Refused(file, name, Modules).Message);
    }

    [Fact]
    public void DeeplyNestedTuplesAreRefusedByTheUnpickler()
    {
        Assert.Contains("tuples nested deeper", Refused(Zip(Deep(300_000, Container.Tuple)), "t.pt").Message);
    }

    [Theory]
    [InlineData(Container.List, 64, 2)]
    [InlineData(Container.Dict, 40, 3)]
    [InlineData(Container.List, 24, 2)]
    public void SharedReferencesThatExpandExponentiallyAreRefused(Container kind, int levels, int fanout)
    {
        // Whichever bound the walk reaches first: the count of entries or the length of their dotted keys.
        Assert.Matches("refused: (shared references expand to more than|its dotted keys would take more than)", Refused(Zip(Laughs(levels, fanout, kind)), "laughs.pt").Message);
    }

    [Fact]
    public void ModestSharingStillLoadsAndListsEveryPath()
    {
        using var scope = NewDisposeScope();
        var root = TorchFile.Load(new MemoryStream(Zip(Laughs(12, 2, Container.Dict))), "shared.pt");
        Assert.Equal(1 << 11, CheckpointTree.Flatten(root).Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void ContainersThatHoldThemselvesAreRefused(int variant)
    {
        Assert.Contains("holds itself", Refused(Zip(Cycle(variant)), "cycle.pt").Message);
    }

    [Fact]
    public void LongKeysSharedByManyLevelsAreRefused()
    {
        Assert.Contains("dotted keys would take more than", Refused(Zip(SharedLongKeys(400, 1_000_000)), "keys.pt").Message);
    }

    [Fact]
    public void HugeIntegersAreRefusedBeforeAnythingPrintsThem()
    {
        Assert.Contains("an integer of 100000 bytes", Refused(Zip(HugeInteger(100_000)), "int.pt").Message);
    }

    /// <summary>The deepest nesting accepted goes through every walk: listing, conversion to both formats and back.</summary>
    [Theory]
    [InlineData(Container.Dict)]
    [InlineData(Container.List)]
    [InlineData(Container.OrderedDict)]
    public void NestingAtTheLimitLoadsListsAndConverts(Container kind)
    {
        using var scope = NewDisposeScope();
        var dir = Directory.CreateTempSubdirectory("vivify-deep-").FullName;
        try
        {
            var root = TorchFile.Load(new MemoryStream(Zip(InCheckpointDict(Deep(CheckpointTree.MaxDepth - 1, kind)))), "limit.pt");
            Assert.Equal(["epoch"], CheckpointTree.Flatten(root).Select(r => r.Key)); // the empty containers contribute nothing
            Assert.Equal(CheckpointTree.MaxDepth - 1, Nesting(((PyDict)root!)["generator"]));
            foreach (var name in new[] { "limit.safetensors", "limit.pth" })
            {
                var path = Path.Combine(dir, name);
                CheckpointIO.Save(root, path);
                Assert.Equal(CheckpointTree.MaxDepth - 1, Nesting(((PyDict)CheckpointIO.Load(path)!)["generator"]));
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>How many containers are nested, following each one's only child.</summary>
    private static int Nesting(object? node)
    {
        var n = 0;
        while (node is PyDict or List<object?>)
        {
            n++;
            node = node is PyDict d ? d.Values.SingleOrDefault() : ((List<object?>)node).SingleOrDefault();
        }
        return n;
    }
}
