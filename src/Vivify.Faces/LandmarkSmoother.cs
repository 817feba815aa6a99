namespace Vivify.Faces;

/// <summary>
/// Smooths landmarks over the frames of a video with the One Euro filter (Casiez, Roussel &amp; Vogel, CHI 2012), one
/// filter per coordinate: a low-pass filter whose cut-off rises with the coordinate's speed, so a still face does not
/// jitter (cut-off <see cref="MinCutoff"/>) and a moving one does not lag (cut-off + <see cref="Beta"/> × speed).
/// Speeds are in pixels per second, derived from the frame rate. The first frame passes through unchanged.
/// </summary>
public sealed class LandmarkSmoother
{
    private readonly double _rate;
    private double[]? _x;    // filtered values
    private double[]? _dx;   // filtered derivatives

    /// <param name="fps">Frames per second of the video (the filter's sampling rate).</param>
    /// <param name="minCutoff">Cut-off frequency for a still point, Hz (lower: smoother, more lag at rest).</param>
    /// <param name="beta">Speed coefficient, Hz per (px/s) (higher: less lag when moving).</param>
    /// <param name="derivativeCutoff">Cut-off frequency of the speed estimate, Hz.</param>
    public LandmarkSmoother(double fps, double minCutoff = 1.0, double beta = 0.05, double derivativeCutoff = 1.0)
    {
        if (!(fps > 0)) throw new InvalidOptionException("fps", $"landmark smoothing: the frame rate must be positive, got {fps}");
        if (!(minCutoff > 0) || !(derivativeCutoff > 0) || !(beta >= 0))
            throw new InvalidOptionException("minCutoff", $"landmark smoothing: cut-offs must be positive and beta non-negative (got {minCutoff}, {derivativeCutoff}, {beta})");
        _rate = fps;
        MinCutoff = minCutoff;
        Beta = beta;
        DerivativeCutoff = derivativeCutoff;
    }

    public double MinCutoff { get; }
    public double Beta { get; }
    public double DerivativeCutoff { get; }

    /// <summary>Forgets the past (call it at a cut, or when the tracked face changes).</summary>
    public void Reset() { _x = null; _dx = null; }

    /// <summary>The smoothed landmarks of the next frame ([N,2] x, y; the same N every frame until <see cref="Reset"/>).</summary>
    public float[,] Smooth(float[,] landmarks)
    {
        var n = landmarks.Length;
        var flat = new double[n];
        Buffer.BlockCopy(landmarks.Cast<float>().Select(v => (double)v).ToArray(), 0, flat, 0, n * sizeof(double));
        if (_x is null || _x.Length != n)
        {
            if (_x is not null) throw new VivifyException($"landmark smoothing: {n / 2} points after {_x.Length / 2}; reset the smoother between faces");
            _x = flat;
            _dx = new double[n];
            return (float[,])landmarks.Clone();
        }
        var aD = Alpha(DerivativeCutoff);
        var result = new float[landmarks.GetLength(0), landmarks.GetLength(1)];
        for (var i = 0; i < n; i++)
        {
            var dx = (flat[i] - _x[i]) * _rate;
            _dx![i] += aD * (dx - _dx[i]);
            var cutoff = MinCutoff + Beta * Math.Abs(_dx[i]);
            _x[i] += Alpha(cutoff) * (flat[i] - _x[i]);
            result[i / landmarks.GetLength(1), i % landmarks.GetLength(1)] = (float)_x[i];
        }
        return result;
    }

    /// <summary>The exponential smoothing factor of a first-order low-pass filter with the cut-off at the frame rate.</summary>
    private double Alpha(double cutoff)
    {
        var tau = 1.0 / (2 * Math.PI * cutoff);
        return 1.0 / (1.0 + tau * _rate);
    }
}
