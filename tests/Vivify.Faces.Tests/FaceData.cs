using Vivify.TestSupport;
using Xunit;

namespace Vivify.Faces.Tests;

/// <summary>Where make setup puts the face-api networks, the Node reference package and the sample portraits.</summary>
internal static class FaceData
{
    public static string ModelDir => Require(Path.Combine(Fixtures.RepoRoot, "data", "face-api", "model"));
    public static string PackageDir => Require(Path.Combine(Fixtures.RepoRoot, "build", ".cache", "face-api-node", "node_modules", "@vladmandic", "face-api"));
    public static string Sample(int i) => Require(Path.Combine(Fixtures.RepoRoot, "data", "samples", $"sample{i}.jpg"));
    public static string ReferenceScript => Path.Combine(Fixtures.RepoRoot, "tests", "Vivify.Faces.Tests", "reference", "face-api-reference.js");
    public const string Node = "/usr/bin/node";

    private static string Require(string path) =>
        File.Exists(path) || Directory.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: run make setup (build/face-models.sh, build/samples.sh)");
}

/// <summary>A fact that is skipped, saying why, where Node is not installed.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        if (!File.Exists(FaceData.Node)) Skip = $"{FaceData.Node} is absent: the face-api parity reference needs Node.js (sudo apt-get install nodejs npm)";
    }
}
