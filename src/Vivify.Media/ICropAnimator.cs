using static TorchSharp.torch;

namespace Vivify.Media;

/// <summary>
/// What animates crops at a model's size, whatever the model (First Order Motion Model, a test's fake): it is given
/// the source crops once, then batches of driving crops in order, and returns every source crop moved as each driving
/// crop shows. Used by the full-frame pipeline (Vivify.Faces' <c>FullFrameAnimation</c>), which cuts the crops out of
/// full pictures and frames and pastes the results back.
/// </summary>
public interface ICropAnimator
{
    /// <summary>The crops' size, height × width (the model's frame size).</summary>
    (int Height, int Width) CropSize { get; }

    /// <summary>The source crops [F,3,h,w] in [0,1] (one per face to animate), before any <see cref="Animate"/>.</summary>
    void SetSources(Tensor sources);

    /// <summary>
    /// Every source crop animated by each of <paramref name="driving"/> [N,3,h,w]: [F,N,3,h,w] in [0,1]. Frame i of
    /// the batch begins a new track where <paramref name="trackStarts"/> holds i (the first frame with a face, or the
    /// first after a scene cut): relative motion is measured from that frame on, or, where
    /// <paramref name="initialCrops"/> holds i, from that crop [3,h,w] instead (the track's initial frame chosen
    /// elsewhere in it: the published demo's best frame). The first frame ever given begins one.
    /// </summary>
    Tensor Animate(Tensor driving, IReadOnlyList<int> trackStarts, IReadOnlyDictionary<int, Tensor> initialCrops);
}
