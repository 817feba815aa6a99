using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Heads;

/// <summary>
/// A picture of how meta-learning goes: for up to four episodes of a batch, one row of landmark image y_t, target
/// frame x_t and generated x̂ = G(y_t, ê). E and G run in evaluation mode without gradients, so no spectral-norm
/// power iteration happens and training continues exactly as without the preview.
/// </summary>
public static class MetaTrainPreview
{
    public static void Write(string path, HeadsModel model, Episode episode)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        model.Embedder.eval();
        model.Generator.eval();
        try
        {
            var n = Math.Min(4, episode.TargetFrame.shape[0]);
            var e = model.Embedder.call(episode.Frames[..(int)n], episode.Landmarks[..(int)n]);
            var xHat = model.Generator.call(episode.TargetLandmarks[..(int)n], e);
            var rows = Enumerable.Range(0, (int)n)
                .Select(i => cat([episode.TargetLandmarks[i], episode.TargetFrame[i], xHat[i]], 2));
            ImageIO.Write(path, cat(rows.ToArray(), 1));
        }
        finally
        {
            model.Embedder.train();
            model.Generator.train();
        }
    }
}
