using Vivify.Faces;
using static TorchSharp.torch;
using static Vivify.Torch.Scalars;

namespace Vivify.Heads;

/// <summary>Landmark error and CSIM of drawn held-out frames, means over the frames where both could be measured.</summary>
public readonly record struct FaceScores(double LandmarkError, double Csim, int Frames);

/// <summary>
/// The paper's face measures (Zakharov et al. Sec. 4.1) for the few-shot test, with face-api's networks: the landmark
/// error between the drawn and the real held-out frame and CSIM, the cosine similarity of their identity descriptors
/// (face-api's 128-D FaceRecognitionNet; the paper used ArcFace, which is not available here). The test frames are
/// face crops already, so both networks run on the whole crop, as on a detection box filling it (face-api's detector
/// finds few faces in 64-pixel crops). The real frame goes through the same networks, as the paper's driving landmarks
/// came from the same detector: what the network gets wrong on a kind of face (cartoon faces included) is shared by
/// both sides, and the error measures how far the drawing is from the real frame, not from the detector's view of
/// the truth. Landmark error: mean distance of the 68 points over the real frame's outer-eye-corner distance
/// (<see cref="HeadsMetrics.LandmarkError(float[,], float[,])"/>).
/// </summary>
public sealed class FewShotFaceMetrics : IDisposable
{
    private readonly FaceLandmark68Net _landmarks;
    private readonly FaceRecognitionNet _recognition;

    // The real frames last scored and their measures: heads evaluate scores every start and shot count of a video
    // against the same held-out frames, which need measuring once.
    private Tensor? _real;
    private List<(float[,] Landmarks, Tensor? Descriptor)> _reference = [];

    /// <param name="modelDir">face-api's networks (<see cref="FaceModels.Require"/>).</param>
    public FewShotFaceMetrics(string modelDir)
    {
        _landmarks = FaceLandmark68Net.Load(modelDir);
        try { _recognition = FaceRecognitionNet.Load(modelDir); }
        catch { _landmarks.Dispose(); throw; }
    }

    /// <summary>Scores drawn frames against the real ones, both [T,3,S,S] in [0,1].</summary>
    public FaceScores Score(Tensor drawn, Tensor real)
    {
        if (!drawn.shape.SequenceEqual(real.shape) || drawn.dim() != 4)
            throw new ArgumentException($"face scores need drawn and real frames of one shape [T,3,S,S], got [{string.Join(",", drawn.shape)}] and [{string.Join(",", real.shape)}]");
        var reference = Reference(real);
        double landmarkSum = 0, csimSum = 0;
        int counted = 0;
        for (var i = 0; i < reference.Count; i++)
        {
            // A real frame without usable eye corners (descriptor null) is left out.
            if (reference[i].Descriptor is not { } descriptor) continue;
            using var scope = NewDisposeScope();
            var d = drawn[i].clamp(S(0), S(1));
            landmarkSum += HeadsMetrics.LandmarkError(FaceCrop.FromTensor(FaceLandmarks.Detect(_landmarks, d)), reference[i].Landmarks);
            csimSum += HeadsMetrics.Csim(_recognition.ComputeFaceDescriptor(d), descriptor);
            counted++;
        }
        return counted == 0 ? new FaceScores(double.NaN, double.NaN, 0) : new FaceScores(landmarkSum / counted, csimSum / counted, counted);
    }

    /// <summary>Landmarks and identity descriptor of each real frame (no descriptor where the eye corners coincide), kept for the next call with equal frames.</summary>
    private List<(float[,] Landmarks, Tensor? Descriptor)> Reference(Tensor real)
    {
        if (_real is not null && _real.shape.SequenceEqual(real.shape))
        {
            using var same = _real.eq(real).all();
            if (same.item<bool>()) return _reference;
        }
        ForgetReference();
        for (long i = 0; i < real.shape[0]; i++)
        {
            using var scope = NewDisposeScope();
            var r = real[i];
            var landmarks = FaceCrop.FromTensor(FaceLandmarks.Detect(_landmarks, r));
            var descriptor = HeadsMetrics.EyeCornerDistance(landmarks) > 0 ? _recognition.ComputeFaceDescriptor(r).DetachFromDisposeScope() : null;
            _reference.Add((landmarks, descriptor));
        }
        _real = real.detach().clone().DetachFromDisposeScope();
        return _reference;
    }

    private void ForgetReference()
    {
        _real?.Dispose();
        _real = null;
        foreach (var (_, descriptor) in _reference) descriptor?.Dispose();
        _reference = [];
    }

    public void Dispose()
    {
        ForgetReference();
        _landmarks.Dispose();
        _recognition.Dispose();
    }
}
