using Vivify.Heads.Data;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Heads.Tests;

public sealed class FewShotEvaluationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("vivify-heads-fewshot-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private HeadsVideo Video(int frames)
    {
        var root = Path.Combine(_dir, "synth");
        SyntheticFaceDataset.Write(root, new SyntheticFaceDataset.Options(1, 1, frames, 48, Seed: 3));
        return HeadsDataset.Open(root, faceModels: Path.Combine(_dir, "no-models")).Videos[0];
    }

    [Fact]
    public void SplitTakesShotsEvenlyFromTheFirstFramesAndHoldsOutTheLast()
    {
        using var scope = NewDisposeScope();
        var video = Video(12);
        using var split = FewShotSplit.Of(video, shots: 3, heldOut: 4, size: 32);
        Assert.Equal(3, split.Shots);
        Assert.Equal([3L, 3, 32, 32], split.ShotFrames.shape);
        Assert.Equal([4L, 3, 32, 32], split.TestLandmarks.shape);
        // 8 frames before the held-out ones: shots 0, 2 (8/3) and 5 (16/3); held out 8…11
        foreach (var (row, frame) in new[] { (0, 0), (1, 2), (2, 5) })
            TensorAssert.AllCloseAbs(video.Clips[0].Read(frame, 32).Frame, split.ShotFrames[row], 0, $"shot {row} is frame {frame}");
        foreach (var row in Enumerable.Range(0, 4))
        {
            var (f, l) = video.Clips[0].Read(8 + row, 32);
            TensorAssert.AllCloseAbs(f, split.TestFrames[row], 0, $"held-out {row}");
            TensorAssert.AllCloseAbs(l, split.TestLandmarks[row], 0, $"held-out landmarks {row}");
        }
        var error = Assert.Throws<InvalidInputException>(() => FewShotSplit.Of(video, shots: 9, heldOut: 4, size: 32));
        Assert.Contains("12 frames, fewer than 9 shots + 4 held-out frames", error.Message);
    }

    [Fact]
    public void RunFineTunesAndScoresTheHeldOutFramesTheGeneratorDraws()
    {
        using var scope = NewDisposeScope();
        var video = Video(10);
        using var split = FewShotSplit.Of(video, shots: 2, heldOut: 3, size: 32);
        random.manual_seed(4);
        using var model = new HeadsModel(MetaTrainerTests.Micro, numVideos: 1);
        var steps = 0;
        var result = FewShotEvaluation.Run(model, FewShotStart.Scratch, split, 6, content: null, out var drawn, onStep: _ => steps++);
        Assert.Equal(6, steps);
        Assert.Equal((video.Id, FewShotStart.Scratch, 2, 6), (result.Video, result.Start, result.Shots, result.Steps));
        Assert.Equal([3L, 3, 32, 32], drawn.shape);
        // The figures are those of the frames returned.
        var (l1, ssim) = FewShotEvaluation.Scores(drawn, split.TestFrames);
        Assert.Equal(l1, result.L1, 6);
        Assert.Equal(ssim, result.Ssim, 6);
        Assert.Equal((drawn - split.TestFrames).abs().mean().item<float>(), result.L1, 5);
        Assert.InRange(result.Ssim, -1, 1);
        Assert.True(result.L1 < result.L1Before, $"six steps on the shots lower the held-out error of fresh networks: {result.L1Before:F4} -> {result.L1:F4}");
    }

    [Fact]
    public void ANewModelDrawsInEvalModeWithoutSaturating()
    {
        // Spectral norm's u and v are settled at construction: σ ≈ the largest singular value, not a random uᵀWv near 0.
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        using var model = new HeadsModel(HeadsConfig.Tiny, numVideos: 1);
        model.Generator.eval();
        using var noGrad = no_grad();
        var xhat = model.Generator.call(rand(2, 3, 64, 64), rand(2, HeadsConfig.Tiny.EmbeddingDim));
        Assert.InRange(xhat.min().item<float>(), 1e-3f, 1f);
        Assert.InRange(xhat.max().item<float>(), 0f, 1 - 1e-3f);
    }
}
