namespace Vivify.Faces;

/// <summary>Which face of a picture to use, with the messages a user can act on: none found, <c>--face N</c> out of
/// range, a profile view.</summary>
public static class FaceChoice
{
    /// <summary>The face numbered <paramref name="index"/> (0-based, faces ordered left to right), or by default the
    /// largest. <paramref name="picture"/> names the input in messages.</summary>
    public static FaceResult Choose(IReadOnlyList<FaceResult> faces, int? index, string picture)
    {
        if (faces.Count == 0)
            throw new VivifyException($"{picture}: no face found; give a picture where a face is clearly visible (frontal, not too small)");
        if (index is int i)
        {
            if (i < 0 || i >= faces.Count)
                throw new UsageException($"--face {i}: {picture} has {faces.Count} face{(faces.Count == 1 ? "" : "s")}, numbered 0 to {faces.Count - 1} from left to right");
            return faces.OrderBy(f => f.Detection.X).ElementAt(i);
        }
        return faces.OrderByDescending(f => f.Detection.Area).First();
    }

    /// <summary>
    /// Whether the landmarks show a profile (the head turned too far for frontal landmarks to hold): the nose tip
    /// (point 30) lies in the outer 15 % of the jaw's width (points 0 to 16), or beyond it.
    /// </summary>
    public static bool IsProfile(float[,] landmarks)
    {
        var left = landmarks[0, 0];
        var right = landmarks[16, 0];
        var width = right - left;
        if (Math.Abs(width) < 1e-6) return true;
        var t = (landmarks[30, 0] - left) / width;
        return t < 0.15 || t > 0.85;
    }

    /// <summary>A one-line warning for a profile view, or null for a frontal one.</summary>
    public static string? ProfileWarning(FaceResult face, string picture) =>
        IsProfile(face.Landmarks)
            ? $"{picture}: the face at ({face.Detection.X:F0}, {face.Detection.Y:F0}) is seen in profile; its landmarks are unreliable, so results will be poor: prefer a frontal view"
            : null;
}
