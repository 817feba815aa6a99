using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Saves a checkpoint object graph (see PyValues.cs) in the zip format torch.save writes, so that
/// PyTorch's <c>torch.load</c> (also with <c>weights_only=True</c>) reads it:
/// <c>archive/data.pkl</c> (pickle protocol 2), <c>archive/byteorder</c> ("little"),
/// <c>archive/data/0..N</c> (one storage per tensor) and <c>archive/version</c> ("3").
/// </summary>
public static class TorchSave
{
    /// <summary>Saves atomically: a temporary file beside <paramref name="path"/> is renamed over it when complete.</summary>
    public static void Save(object? value, string path)
    {
        var archiveName = "archive";
        AtomicFile.Write(path, s => Save(value, s, archiveName));
    }

    public static void Save(object? value, Stream stream, string archiveName = "archive")
    {
        if (string.IsNullOrEmpty(archiveName) || archiveName.Contains('/'))
            throw new ArgumentException("archive name must be a non-empty name without '/'", nameof(archiveName));
        var pickle = Pickler.Dump(value, out var storages);
        var zip = new StoredZipWriter(stream);
        zip.Add(archiveName + "/data.pkl", pickle);
        zip.Add(archiveName + "/byteorder", Encoding.ASCII.GetBytes("little"));
        foreach (var (key, bytes) in storages) zip.Add(archiveName + "/data/" + key, bytes);
        zip.Add(archiveName + "/version", Encoding.ASCII.GetBytes("3\n"));
        zip.Finish();
    }
}
