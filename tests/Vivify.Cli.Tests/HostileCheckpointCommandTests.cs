using System.Text;
using Vivify.TestSupport;
using Xunit;
using static Vivify.TestSupport.HostileCheckpoints;

namespace Vivify.Cli.Tests;

/// <summary>
/// Checkpoints with structures no PyTorch checkpoint has (nesting 300,000 levels deep, which overflowed the stack
/// of `checkpoint inspect`; references that expand to 2^63 entries when listed, which exhausted memory), given to
/// every command that reads a checkpoint: one line naming the file, exit 1, nothing written.
/// </summary>
public sealed class HostileCheckpointCommandTests
{
    public static TheoryData<string> Files() => new(["deep.pt", "laughs.pth", "deep-json.safetensors", "cycle.pt"]);

    private static string Write(CliHarness h, string name)
    {
        var path = h.PathOf(name);
        File.WriteAllBytes(path, name switch
        {
            "deep.pt" => Zip(Deep(300_000, Container.List)),
            "laughs.pth" => Legacy(Laughs(64, 2, Container.Dict)),
            "cycle.pt" => Zip(Cycle(1)),
            _ => SafeTensorsWithStructure(string.Concat(Enumerable.Repeat("{\"list\": [", 200_000)) + "null" + string.Concat(Enumerable.Repeat("]}", 200_000))),
        });
        return path;
    }

    /// <summary>A safetensors file with no tensors whose structure entry is the given JSON text.</summary>
    private static byte[] SafeTensorsWithStructure(string json)
    {
        var header = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object> { ["__metadata__"] = new Dictionary<string, string> { ["vivify.structure"] = json } });
        var bytes = Encoding.UTF8.GetBytes(header);
        return [.. BitConverter.GetBytes((long)bytes.Length), .. bytes];
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryCommandThatReadsACheckpointRefusesItInOneLine(string name)
    {
        using var h = new CliHarness();
        var file = Write(h, name);
        var config = TinyMotionModel.WriteConfig(h.PathOf("tiny.yaml"));
        var picture = h.Picture("p.png", 64, 64);
        Directory.CreateDirectory(h.PathOf("driving"));
        File.Copy(picture, h.PathOf("driving/00000.png"));
        File.Copy(picture, h.PathOf("driving/00001.png"));
        var before = h.Entries();
        string[][] commands =
        [
            ["checkpoint", "inspect", file],
            ["checkpoint", "convert", file, h.PathOf("out.safetensors")],
            ["checkpoint", "convert", file, h.PathOf("out.pth")],
            ["animate", "-s", picture, "-d", h.PathOf("driving"), "--config", config, "-c", file, "-o", h.PathOf("out.mp4")],
            ["motion", "reconstruct", "--config", config, "--checkpoint", file, "--data", h.PathOf("driving"), "-o", h.PathOf("rec")],
            ["stylize", "apply", "--model", file, "--input", picture, "-o", h.PathOf("out.png")],
            ["heads", "evaluate", "--model", file, "--data", h.PathOf("driving"), "-q"],
        ];
        foreach (var args in commands)
        {
            var (code, _, err) = h.Run(args);
            var what = $"{string.Join(' ', args.Take(2))} on {name}";
            Assert.True(code == 1, $"{what}: exit {code}, stderr: {err}");
            Assert.StartsWith("vivify: ", err);
            Assert.Contains(file, err);
            Assert.Single(err.TrimEnd('\n').Split('\n'));
            Assert.Equal(before, h.Entries());
        }
    }
}
