using Vivify.Cli.Tests;
using Vivify.Server.Animate;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>Models are loaded once and kept: by name and precision, reloaded when their files change, bounded.</summary>
public class ModelCacheTests
{
    [Fact]
    public void A_model_is_loaded_once_reloaded_when_changed_and_the_least_recent_dropped()
    {
        var dir = Directory.CreateTempSubdirectory("vivify-serve-models-").FullName;
        try
        {
            var config = TinyMotionModel.WriteConfig(Path.Combine(dir, "a.yaml"));
            var a = new ModelEntry("a", TinyMotionModel.WriteCheckpoint(Path.Combine(dir, "a.pth.tar"), config), config);
            File.Copy(config, Path.Combine(dir, "b.yaml"));
            var b = new ModelEntry("b", TinyMotionModel.WriteCheckpoint(Path.Combine(dir, "b.pth.tar"), config, seed: 3), Path.Combine(dir, "b.yaml"));
            using var models = new AnimatorCache(capacity: 2);
            var first = models.Get(a, bf16: false);
            Assert.Same(first, models.Get(a, bf16: false));
            Assert.Equal((64, 64), first.FrameSize);
            var bf16 = models.Get(a, bf16: true);
            Assert.NotSame(first, bf16);
            Assert.Equal(2, models.Count);

            File.SetLastWriteTimeUtc(a.Checkpoint, DateTime.UtcNow.AddMinutes(1));
            Assert.NotSame(first, models.Get(a, bf16: false));
            Assert.Equal(2, models.Count);
            models.Get(b, bf16: false);
            Assert.Equal(2, models.Count);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
