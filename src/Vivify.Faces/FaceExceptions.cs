namespace Vivify.Faces;

/// <summary>A picture, or every frame of a video, shows no face that the detector finds. <see cref="InvalidInputException.Path"/> names it.</summary>
public sealed class NoFaceException(string path, string message) : InvalidInputException(path, message);

/// <summary>A face was asked for by its number, and the picture has fewer faces.</summary>
public sealed class FaceIndexException(string path, int requested, int faceCount)
    : InvalidInputException(path, $"{path} has {Counted.Of(faceCount, "face")}, numbered 0 to {faceCount - 1} from left to right")
{
    /// <summary>The number asked for (0-based, faces ordered left to right).</summary>
    public int Requested { get; } = requested;

    /// <summary>How many faces the picture has.</summary>
    public int FaceCount { get; } = faceCount;
}

/// <summary>The face-api networks are not in the folder given (or the default one). <see cref="InvalidInputException.Path"/> is the folder.</summary>
public sealed class FaceModelsMissingException(string directory)
    : InvalidInputException(directory, $"{directory}: the face-api networks are not there; run make setup (build/face-models.sh), give the folder that holds them, or set VIVIFY_FACE_MODELS");
