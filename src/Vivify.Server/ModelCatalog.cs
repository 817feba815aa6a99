namespace Vivify.Server;

/// <summary>A model of the models folder: NAME's checkpoint and the NAME.yaml beside it.</summary>
public sealed record ModelEntry(string Name, string Checkpoint, string Config);

/// <summary>
/// The models in <c>--models DIR</c>: each NAME.pth.tar, NAME.pth or NAME.safetensors with NAME.yaml beside it is model
/// "NAME" (read afresh on each look, so models copied in while the server runs appear). A client names a model only by
/// picking one of these names: its text is looked up, never joined into a path.
/// </summary>
internal sealed class ModelCatalog(string? folder)
{
    private static readonly string[] Extensions = [".pth.tar", ".pth", ".safetensors"];

    public IReadOnlyList<ModelEntry> List()
    {
        var found = new SortedDictionary<string, ModelEntry>(StringComparer.Ordinal);
        if (folder is null || !Directory.Exists(folder)) return [];
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            var name = Path.GetFileName(file);
            var ext = Extensions.FirstOrDefault(e => name.EndsWith(e, StringComparison.Ordinal) && name.Length > e.Length);
            if (ext is null) continue;
            var model = name[..^ext.Length];
            var config = Path.Combine(folder, model + ".yaml");
            if (File.Exists(config)) found.TryAdd(model, new ModelEntry(model, file, config));
        }
        return [.. found.Values];
    }

    public ModelEntry? Find(string name) => List().FirstOrDefault(m => m.Name == name);
}
