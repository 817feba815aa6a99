using Vivify.Faces;
using static TorchSharp.torch;

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
        double landmarkSum = 0, csimSum = 0;
        int counted = 0;
        for (long i = 0; i < drawn.shape[0]; i++)
        {
            using var scope = NewDisposeScope();
            var d = drawn[i].clamp(0, 1);
            var r = real[i];
            var reference = FaceCrop.FromTensor(FaceLandmarks.Detect(_landmarks, r));
            if (!(HeadsMetrics.EyeCornerDistance(reference) > 0)) continue;
            landmarkSum += HeadsMetrics.LandmarkError(FaceCrop.FromTensor(FaceLandmarks.Detect(_landmarks, d)), reference);
            csimSum += HeadsMetrics.Csim(_recognition.ComputeFaceDescriptor(d), _recognition.ComputeFaceDescriptor(r));
            counted++;
        }
        return counted == 0 ? new FaceScores(double.NaN, double.NaN, 0) : new FaceScores(landmarkSum / counted, csimSum / counted, counted);
    }

    public void Dispose()
    {
        _landmarks.Dispose();
        _recognition.Dispose();
    }
}
