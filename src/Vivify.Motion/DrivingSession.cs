using Vivify.Media;
using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// One animation in progress, batch by batch: driving frames already at the model's size (e.g. 256×256 face crops
/// cut from full frames) in, predictions out. It keeps the initial frame's keypoints for relative motion: those of
/// <see cref="SetInitialFrame"/>, else of the first frame of the first batch. Made by
/// <see cref="Animator.StartDriving"/>; not for concurrent use (its batches follow each other), dispose it when done.
/// Live driving (a camera's frames, one at a time) uses <see cref="Animate(RgbFrame)"/> and <see cref="ResetInitialFrame"/>.
/// </summary>
public sealed class DrivingSession : IDisposable
{
    private readonly Animator _animator;
    private readonly AnimationSource _source;
    private readonly AnimationOptions _options;
    private Keypoints? _initial;
    private bool _disposed;

    internal DrivingSession(Animator animator, AnimationSource source, AnimateOptions options)
    {
        _animator = animator;
        _source = source;
        _options = options.Transfer;
    }

    /// <summary>Whether the initial frame's keypoints are known (set, or taken from a first batch).</summary>
    public bool HasInitialFrame => _initial is not null;

    /// <summary>Makes <paramref name="frame"/> ([3, H, W] or [1, 3, H, W] at the model's size, in [0, 1]) the initial frame of relative motion.</summary>
    public void SetInitialFrame(Tensor frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var batch = frame.dim() == 3 ? frame.unsqueeze(0) : frame;
        _animator.CheckFrames(batch, nameof(frame));
        var keypoints = _animator.DetectKeypoints(batch).DetachFromDisposeScope();
        _initial?.Dispose();
        _initial = keypoints;
    }

    /// <summary>
    /// Animates a batch of driving frames [N, 3, H, W] at the model's size, in [0, 1], on any device. Returns the
    /// predictions float32 [N, 3, H, W] in [0, 1] on the model's device; the caller disposes them (or lets its dispose
    /// scope do it).
    /// </summary>
    public Tensor Animate(Tensor frames)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _animator.CheckFrames(frames, nameof(frames));
        using var scope = NewDisposeScope();
        var predictions = _animator.AnimateBatch(_source, frames, ref _initial, _options);
        return predictions.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Forgets the initial frame (a "reset pose"): the next frame animated becomes it, so the source's pose is the
    /// driver's pose at that moment.
    /// </summary>
    public void ResetInitialFrame()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _initial?.Dispose();
        _initial = null;
    }

    /// <summary>
    /// Live driving: one driving frame of any size (resized to the model's, as <see cref="Animator.PrepareSource(RgbFrame, string)"/>
    /// does) in, its animated frame at the model's size out, at once: nothing batched or read ahead, the source's
    /// keypoints and features reused, every tensor of the call freed before it returns. Relative motion is measured
    /// from the first frame given (or the first after <see cref="ResetInitialFrame"/>).
    /// </summary>
    public RgbFrame Animate(RgbFrame frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        var (height, width) = _animator.FrameSize;
        var image = frame.ToTensor();
        if (frame.Height != height || frame.Width != width) image = Geometry.Resize(image, height, width);
        var predictions = _animator.AnimateBatch(_source, image.unsqueeze(0), ref _initial, _options);
        TimingTrace.Mark("live frame animated");
        return RgbFrame.FromTensor(predictions[0]);
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _initial?.Dispose();
        _initial = null;
    }
}
