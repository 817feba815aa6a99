using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// Reads PyTorch checkpoints (torch.save files) without Python and without running anything in them:
/// the zip format (PyTorch 1.6+) and the legacy format before it, detected from the first bytes.
/// </summary>
public static class TorchFile
{
    /// <summary>Loads a checkpoint into Vivify's object model (see PyValues.cs); tensors live on the CPU.</summary>
    /// <exception cref="InvalidInputException">the file does not exist or cannot be opened.</exception>
    /// <exception cref="CheckpointFormatException">the file is truncated, corrupt or holds a refused global.</exception>
    public static object? Load(string path, TorchLoadOptions? options = null)
    {
        FileStream stream;
        try
        {
            if (Directory.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} is a directory, not a file");
            if (!File.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} not found: check the path");
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException(path, $"checkpoint {path} cannot be opened: {CheckpointFormatException.OneLine(e.Message)}", e);
        }
        using (stream) return Load(stream, path, options);
    }

    /// <summary>Loads a checkpoint from a stream; <paramref name="displayName"/> names it in errors.</summary>
    public static object? Load(Stream stream, string displayName, TorchLoadOptions? options = null)
    {
        options ??= TorchLoadOptions.Default;
        TimingTrace.Mark($"checkpoint open: {displayName}");
        using var scope = NewDisposeScope();
        try
        {
            if (!stream.CanSeek)
            {
                var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                stream = copy;
            }
            var tensors = new TensorFactory();
            var result = Detect(stream) switch
            {
                Format.Zip => ZipCheckpointReader.Read(stream, displayName, options, tensors),
                Format.Legacy => LegacyCheckpointReader.Read(stream, displayName, options, tensors),
                Format.Tar => throw new CheckpointFormatException(
                    $"checkpoint {displayName}: PyTorch's old tar format (before 0.4) is not supported; re-save it with torch.save in a newer PyTorch"),
                _ => throw new PickleFormatException("not a PyTorch checkpoint: neither a zip archive nor a pickle"),
            };
            CheckpointStructure.Check(result, displayName);
            tensors.Bind();
            scope.MoveToOuter(tensors.Results);
            TimingTrace.Mark($"checkpoint read: {displayName}");
            return result;
        }
        catch (CheckpointFormatException) { throw; }
        catch (PickleFormatException e) { throw CheckpointFormatException.Corrupt(displayName, e.Message, e); }
        catch (Exception e) when (e is not VivifyException)
        {
            throw CheckpointFormatException.Corrupt(displayName, $"{e.GetType().Name}: {e.Message}", e);
        }
    }

    private enum Format { Unknown, Zip, Legacy, Tar }

    private static Format Detect(Stream s)
    {
        var start = s.Position;
        Span<byte> head = stackalloc byte[512];
        var n = s.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        s.Position = start;
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] is 3 or 5 && head[3] is 4 or 6) return Format.Zip;
        if (n >= 262 && head.Slice(257, 5).SequenceEqual("ustar"u8)) return Format.Tar;
        if (n >= 2 && head[0] == 0x80) return Format.Legacy;
        return Format.Unknown;
    }
}
