using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Vivify.Torch.Modules;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>TorchLoadOptions.ConvWeightsChannelsLast: convolution weights are read laid out channels last, with the same values.</summary>
[Trait("Category", "Parity")]
public class ChannelsLastLoadTests
{
    private static readonly string[] Kept = ["generator", "kp_detector"];

    private static bool IsConvWeight(Tensor t) =>
        t.dtype == ScalarType.Float32 && t.dim() == 4 && t.shape[1] > 1 && t.shape[2] * t.shape[3] > 1;

    [Theory]
    [InlineData("checkpoint-legacy.pth.tar")]
    [InlineData("checkpoint-zip.pth.tar")]
    public void Conv_weights_are_read_channels_last_with_the_values_of_a_plain_read(string file)
    {
        using var scope = NewDisposeScope();
        var path = Fixtures.Path("fomm", file);
        var plain = Assert.IsType<PyDict>(TorchFile.Load(path, new TorchLoadOptions { Sections = Kept }));
        var laid = Assert.IsType<PyDict>(TorchFile.Load(path, new TorchLoadOptions { Sections = Kept, ConvWeightsChannelsLast = true }));
        var convs = 0;
        foreach (var section in Kept)
        {
            var expected = CheckpointTree.Tensors(plain[section]);
            var actual = CheckpointTree.Tensors(laid[section]);
            Assert.Equal(expected.Select(kv => kv.Key), actual.Select(kv => kv.Key));
            foreach (var (e, a) in expected.Zip(actual))
            {
                FixtureCheckpointTests.AssertExactlyEqual(e.Value, a.Value, $"{section}.{e.Key}");
                Assert.True(e.Value.is_contiguous(), $"{section}.{e.Key}: a plain read keeps the pickle's layout");
                if (IsConvWeight(e.Value))
                {
                    Assert.True(ChannelsLast.Is(a.Value), $"{section}.{e.Key} is read channels last");
                    convs++;
                }
                else Assert.Equal(e.Value.stride(), a.Value.stride());
            }
        }
        Assert.True(convs >= 10, $"only {convs} convolution weights in the fixture");
    }

    [Fact]
    public void Tensors_sharing_a_storage_or_not_filling_it_keep_their_layout()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(Fixtures.RepoRoot, "tests", "Vivify.Torch.Tests", "Fixtures", "shared-storage", "case.pt");
        var plain = Assert.IsType<PyDict>(TorchFile.Load(path));
        var laid = Assert.IsType<PyDict>(TorchFile.Load(path, new TorchLoadOptions { ConvWeightsChannelsLast = true }));
        Assert.Equal(plain.Keys, laid.Keys);
        foreach (var key in plain.Keys.Cast<string>())
        {
            var (e, a) = ((Tensor)plain[key]!, (Tensor)laid[key]!);
            FixtureCheckpointTests.AssertExactlyEqual(e, a, key);
            if (key == "alone") Assert.True(ChannelsLast.Is(a), "a weight alone in its storage is read channels last");
            else Assert.Equal(e.stride(), a.stride());
        }
        TensorAssert.Equal(arange(4 * 3 * 3 * 3f).reshape(4, 3, 3, 3).mul(0.5f), (Tensor)laid["alone"]!, "alone");
        Assert.Equal([9L, 36, 3, 1], ((Tensor)laid["transposed"]!).stride());
    }

    [Fact]
    public void An_output_channel_larger_than_any_convolutions_is_read_as_it_is()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TensorFiles.TempDir("channels-last"), "wide.pt");
        var wide = arange(2 * 2 * 2 * ((ChannelsLastReader.MaxBlock / 4) + 1), dtype: ScalarType.Float32).reshape(2, 2, 2, -1);
        var conv = randn(3, 2, 3, 3);
        TorchSave.Save(new PyDict { ["wide"] = wide, ["conv"] = conv }, path);
        var loaded = Assert.IsType<PyDict>(TorchFile.Load(path, new TorchLoadOptions { ConvWeightsChannelsLast = true }));
        TensorAssert.Equal(wide, (Tensor)loaded["wide"]!, "wide");
        Assert.True(((Tensor)loaded["wide"]!).is_contiguous(), "an output channel of more than MaxBlock elements keeps its layout");
        TensorAssert.Equal(conv, (Tensor)loaded["conv"]!, "conv");
        Assert.True(ChannelsLast.Is((Tensor)loaded["conv"]!));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
