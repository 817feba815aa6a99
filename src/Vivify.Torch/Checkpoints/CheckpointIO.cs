using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>The two checkpoint containers Vivify reads and writes.</summary>
public enum CheckpointKind
{
    /// <summary>torch.save files: .pth, .pt, .pth.tar, .tar, .ckpt (zip or legacy format in, zip out).</summary>
    Torch,
    /// <summary>.safetensors files.</summary>
    SafeTensors,
}

/// <summary>
/// Loads and saves checkpoints by file name: PyTorch's formats through <see cref="TorchFile"/> and
/// <see cref="TorchSave"/>, safetensors through <see cref="SafeTensorsFile"/>. Safetensors holds only a flat
/// list of named tensors; to convert a nested checkpoint (e.g. {generator: {...}, epoch: 12}) without loss,
/// its structure and non-tensor values travel in the metadata entry <see cref="SafeTensorsStructure.MetadataKey"/>
/// while the tensors keep their dotted names, so any safetensors reader sees "generator.first.conv.weight".
/// </summary>
public static class CheckpointIO
{
    public static readonly string[] TorchExtensions = [".pth.tar", ".pth", ".pt", ".tar", ".ckpt"];

    /// <summary>The container a path names by its extension.</summary>
    /// <exception cref="OutputConflictException">the extension is neither PyTorch's nor safetensors'.</exception>
    public static CheckpointKind KindOf(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        if (name.EndsWith(".safetensors", StringComparison.Ordinal)) return CheckpointKind.SafeTensors;
        if (TorchExtensions.Any(e => name.EndsWith(e, StringComparison.Ordinal))) return CheckpointKind.Torch;
        throw new OutputConflictException(path, $"{path}: unknown checkpoint extension; use .safetensors or one of {string.Join(", ", TorchExtensions)}");
    }

    /// <summary>
    /// Loads any checkpoint. A safetensors file is recognised by its extension or, whatever its name, by its
    /// header; anything else is read as a torch.save file. Whole pickled modules stay <see cref="PyObject"/>s.
    /// </summary>
    public static object? Load(string path, TorchLoadOptions? options = null)
    {
        if (Directory.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} is a directory, not a file");
        if (!File.Exists(path)) throw new InvalidInputException(path, $"checkpoint {path} not found: check the path");
        if (path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) || LooksLikeSafeTensors(path))
        {
            var root = SafeTensorsStructure.Rebuild(SafeTensorsFile.Load(path), path);
            CheckpointStructure.Check(root, path);
            return root;
        }
        return TorchFile.Load(path, options);
    }

    /// <summary>
    /// Saves a checkpoint in the container its extension names, atomically. Whole pickled modules are saved as
    /// their state dicts (what <c>module.state_dict()</c> returns), the form <c>torch.load(weights_only=True)</c> accepts.
    /// </summary>
    public static void Save(object? root, string path)
    {
        var kind = KindOf(path);
        var plain = ToPlainData(root, "", 0);
        if (kind == CheckpointKind.Torch)
        {
            TorchSave.Save(plain, path);
            return;
        }
        var (tensors, metadata) = SafeTensorsStructure.Split(plain);
        SafeTensorsFile.Save(path, tensors, metadata);
    }

    /// <summary>The checkpoint with every pickled module replaced by its state dict; other objects are refused.</summary>
    public static object? ToPlainData(object? node, string key, int depth)
    {
        if (depth > CheckpointTree.MaxDepth) throw new VivifyException($"checkpoint structure is nested deeper than {CheckpointTree.MaxDepth} levels at '{key}'");
        string Child(object k) => key.Length == 0 ? CheckpointTree.KeyText(k) : key + "." + CheckpointTree.KeyText(k);
        switch (node)
        {
            case PyDict d:
                var dict = new PyDict(d.TypeName);
                foreach (var (k, v) in d) dict[k] = ToPlainData(v, Child(k), depth + 1);
                return dict;
            case List<object?> l:
                return l.Select((v, i) => ToPlainData(v, Child(i), depth + 1)).ToList();
            case PyTuple t:
                return new PyTuple(t.Items.Select((v, i) => ToPlainData(v, Child(i), depth + 1)).ToArray());
            case PyObject o:
                try { return ModuleState.FromPickledModule(o); }
                catch (VivifyException e)
                {
                    throw new VivifyException($"entry '{key}' is a pickled '{o.FullName}' object that cannot be converted: {e.Message}");
                }
            case PyGlobal g:
                throw new VivifyException($"entry '{key}' is a reference to the Python class '{g.FullName}', which cannot be written without pickling code; remove it from the checkpoint first");
            default:
                return node;
        }
    }

    private static bool LooksLikeSafeTensors(string path)
    {
        try
        {
            using var f = File.OpenRead(path);
            Span<byte> head = stackalloc byte[9];
            if (f.Read(head) < 9) return false;
            var n = BitConverter.ToUInt64(head[..8]);
            return head[8] == (byte)'{' && n >= 2 && n <= SafeTensorsFile.MaxHeaderBytes && (long)n <= f.Length - 8;
        }
        catch (IOException) { return false; }
        catch (UnauthorizedAccessException) { return false; }
    }
}
