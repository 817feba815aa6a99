namespace Vivify.Faces;

/// <summary>Where the face-api networks are: <c>VIVIFY_FACE_MODELS</c>, else <c>data/face-api/model</c> of the checkout
/// holding the running program (make setup puts them there).</summary>
public static class FaceModels
{
    public static string DefaultDirectory()
    {
        var env = Environment.GetEnvironmentVariable("VIVIFY_FACE_MODELS");
        if (!string.IsNullOrEmpty(env)) return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "data", "face-api", "model");
            if (Directory.Exists(candidate)) return candidate;
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "data", "face-api", "model");
    }

    /// <summary>Whether <paramref name="dir"/> holds face-api's networks (the check <see cref="Require"/> makes).</summary>
    public static bool ArePresent(string dir) => File.Exists(Path.Combine(dir, SsdMobilenetv1.ModelName + "-weights_manifest.json"));

    /// <summary>The directory, checked to hold the manifests; a <see cref="FaceModelsMissingException"/> saying how to get them otherwise.</summary>
    public static string Require(string? dir)
    {
        var d = dir ?? DefaultDirectory();
        if (!ArePresent(d))
            throw new FaceModelsMissingException(d);
        return d;
    }
}
