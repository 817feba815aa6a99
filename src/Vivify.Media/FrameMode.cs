namespace Vivify.Media;

/// <summary>What of the source picture a motion model animates, and what the output shows.</summary>
public enum FrameMode
{
    /// <summary>A square around the face is animated at the model's size and pasted back into the picture at its full resolution.</summary>
    Paste,
    /// <summary>The whole picture (and every driving frame) resized to the model's size, as the published demo does.</summary>
    Whole,
    /// <summary>The square around the face, animated at the model's size, alone.</summary>
    Crop,
}
