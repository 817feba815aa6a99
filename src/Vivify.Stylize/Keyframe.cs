using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Stylize;

/// <summary>
/// One painted keyframe in model space: <see cref="Pre"/> the (filtered) input frame [C,H,W] in [-1,1] (C = 3 plus any
/// auxiliary guide channels), <see cref="Post"/> the painted frame [3,H,W] in [-1,1], <see cref="Mask"/> [H,W]
/// (nonzero where painted) or null for the whole frame.
/// </summary>
public sealed record Keyframe(Tensor Pre, Tensor Post, Tensor? Mask = null)
{
    /// <summary>An 8-bit image [H,W,C] or [C,H,W] tensor of bytes to model space [-1,1] as the published transform does (x/255 − 0.5)/0.5.</summary>
    public static Tensor ToModelSpace(Tensor bytesChw) => bytesChw.to(float32) / S(127.5) - S(1);

    /// <summary>Model space back to 8-bit as the published to_image_space: clip to [-1,1], (x+1)/2·255, truncated.</summary>
    public static Tensor ToImageSpace(Tensor x) => (x.clamp(S(-1), S(1)).add(S(1), One) / S(2) * S(255)).to(uint8);
}
