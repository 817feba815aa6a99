using static TorchSharp.torch;

namespace Vivify.Motion;

/// <summary>
/// A picture prepared once for any number of animations by one <see cref="Animator"/>: resized to the model's frame
/// size, its keypoints found and its features encoded. Dispose it when done (it holds tensors).
/// </summary>
public sealed class AnimationSource : IDisposable
{
    internal AnimationSource(Animator owner, string name, Tensor image, PreparedSource prepared)
    {
        Owner = owner;
        Name = name;
        Image = image;
        Prepared = prepared;
    }

    internal Animator Owner { get; }

    /// <summary>The picture's name in messages (its path, or what the caller called it).</summary>
    public string Name { get; }

    /// <summary>The picture at the model's frame size, float32 [3, H, W] in [0, 1] on the CPU.</summary>
    public Tensor Image { get; }

    internal PreparedSource Prepared { get; }

    public void Dispose()
    {
        Image.Dispose();
        Prepared.Dispose();
    }
}
