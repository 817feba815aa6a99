using Vivify.TestSupport;
using Vivify.Torch.Checkpoints;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests.Checkpoints;

/// <summary>TorchLoadOptions.Sections: only the named top-level entries are read, in both formats.</summary>
[Trait("Category", "Parity")]
public class SelectiveLoadTests
{
    private static readonly string[] Kept = ["generator", "kp_detector"];

    /// <summary>Counts the bytes handed out by Read: what the reader really reads of the file.</summary>
    private sealed class CountingStream(Stream inner) : Stream
    {
        public long BytesRead { get; private set; }
        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length => inner.Length;
        public override long Position { get => inner.Position; set => inner.Position = value; }
        public override int Read(byte[] buffer, int offset, int count) { var n = inner.Read(buffer, offset, count); BytesRead += n; return n; }
        public override int Read(Span<byte> buffer) { var n = inner.Read(buffer); BytesRead += n; return n; }
        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);
        public override void Flush() { }
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    [Theory]
    [InlineData("checkpoint-legacy.pth.tar")]
    [InlineData("checkpoint-zip.pth.tar")]
    public void Only_the_named_sections_are_read_and_they_equal_a_full_load(string file)
    {
        using var scope = NewDisposeScope();
        var path = Fixtures.Path("fomm", file);
        var full = Assert.IsType<PyDict>(TorchFile.Load(path));
        long droppedBytes = 0;
        foreach (var (key, value) in full)
            if (!Kept.Contains(key))
                foreach (var (_, t) in CheckpointTree.Tensors(value)) droppedBytes += t.NumberOfElements * t.ElementSize;
        Assert.True(droppedBytes > 1 << 20, "the fixture's discriminator and optimizer states are large enough to tell");

        using var file0 = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var counting = new CountingStream(file0);
        var part = Assert.IsType<PyDict>(TorchFile.Load(counting, path, new TorchLoadOptions { Sections = Kept }));

        // Every key is still listed (errors can name them); only the kept ones have values.
        Assert.Equal(full.Keys, part.Keys);
        foreach (var (key, value) in part)
            if (!Kept.Contains(key)) Assert.Null(value);
        foreach (var section in Kept)
        {
            var expected = CheckpointTree.Tensors(full[section]);
            var actual = CheckpointTree.Tensors(part[section]);
            Assert.Equal(expected.Select(kv => kv.Key), actual.Select(kv => kv.Key));
            foreach (var (e, a) in expected.Zip(actual)) FixtureCheckpointTests.AssertExactlyEqual(e.Value, a.Value, $"{section}.{e.Key}");
        }
        Assert.True(counting.BytesRead <= file0.Length - droppedBytes + (64 << 10),
            $"read {counting.BytesRead} of {file0.Length} bytes although {droppedBytes} belong to sections not asked for");
    }

    [Fact]
    public void Sections_of_a_checkpoint_that_is_not_a_dict_are_ignored()
    {
        using var scope = NewDisposeScope();
        var path = Path.Combine(TensorFiles.TempDir("sections"), "list.pt");
        TorchSave.Save(new List<object?> { arange(6f), ones(2) }, path);
        var list = Assert.IsType<List<object?>>(TorchFile.Load(path, new TorchLoadOptions { Sections = Kept }));
        TensorAssert.Equal(arange(6f), Assert.IsAssignableFrom<Tensor>(list[0]));
        TensorAssert.Equal(ones(2), Assert.IsAssignableFrom<Tensor>(list[1]));
        Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
    }
}
