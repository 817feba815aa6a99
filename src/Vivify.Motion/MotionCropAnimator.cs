using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// A <see cref="MotionTransfer"/> as a crop animator for full-frame animation: each source crop is prepared once
/// (keypoints, encoder features); each batch of driving crops goes through the keypoint detector once, and through
/// the generator once per source crop. Relative motion is measured from the first frame of the current track (the
/// initial frame of the published demo), which a new track replaces; or from the crop given as the track's initial
/// frame (its best frame: the published demo's relative motion forwards and backwards from it).
/// </summary>
public sealed class MotionCropAnimator(MotionTransfer transfer, (int Height, int Width) cropSize, AnimationOptions options, Device? device = null)
    : ICropAnimator, IDisposable
{
    private readonly List<PreparedSource> _sources = [];
    private readonly Device _device = device ?? CPU;
    private Keypoints? _initial;

    public (int Height, int Width) CropSize { get; } = cropSize;

    public void SetSources(Tensor sources)
    {
        if (_sources.Count > 0) throw new InvalidOperationException("the sources are already set");
        for (var f = 0; f < sources.shape[0]; f++)
        {
            using var scope = NewDisposeScope();
            // Held until Dispose, not by this scope.
            _sources.Add(transfer.Prepare(sources.narrow(0, f, 1).to(_device)).DetachFromDisposeScope());
        }
    }

    public Tensor Animate(Tensor driving, IReadOnlyList<int> trackStarts, IReadOnlyDictionary<int, Tensor> initialCrops)
    {
        if (_sources.Count == 0) throw new InvalidOperationException("set the sources before animating");
        using var scope = NewDisposeScope();
        var n = (int)driving.shape[0];
        var frames = driving.to(_device);
        var keypoints = transfer.DetectKeypoints(frames);
        // Runs of frames within one track: [from, to).
        var bounds = trackStarts.Where(s => s > 0 && s < n).Append(0).Append(n).Distinct().Order().ToList();
        if (_initial is null && !trackStarts.Contains(0)) throw new InvalidOperationException("the first frame given must begin a track");
        var perSource = _sources.Select(_ => new List<Tensor>()).ToList();
        for (var b = 0; b + 1 < bounds.Count; b++)
        {
            int from = bounds[b], count = bounds[b + 1] - from;
            if (trackStarts.Contains(from))
            {
                _initial?.Dispose();
                _initial = (initialCrops.TryGetValue(from, out var crop)
                    ? transfer.DetectKeypoints(crop.unsqueeze(0).to(_device))
                    : keypoints.Item(from)).DetachFromDisposeScope();
            }
            var run = new Keypoints(keypoints.value.narrow(0, from, count), keypoints.jacobian?.narrow(0, from, count));
            for (var f = 0; f < _sources.Count; f++)
                perSource[f].Add(transfer.Animate(_sources[f], frames.narrow(0, from, count), _initial!, options, run));
        }
        return stack(perSource.Select(p => cat(p, 0)).ToArray()).cpu().MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        foreach (var s in _sources) s.Dispose();
        _sources.Clear();
        _initial?.Dispose();
    }
}
