namespace Vivify.Torch.Checkpoints;

/// <summary>
/// A checkpoint that cannot be read: truncated, corrupt, of an unknown layout, or holding a global
/// Vivify refuses to load. The message is one line naming the file.
/// </summary>
public class CheckpointFormatException : VivifyException
{
    public CheckpointFormatException(string message, Exception? inner = null) : base(OneLine(message), inner) { }

    /// <summary>"checkpoint NAME: file is truncated or corrupt (DETAIL); re-download or re-save it".</summary>
    public static CheckpointFormatException Corrupt(string file, string detail, Exception? inner = null) =>
        new($"checkpoint {file}: file is truncated or corrupt ({detail}); re-download or re-save it", inner);

    internal static string OneLine(string s)
    {
        s = s.Replace("\r", " ").Replace("\n", " ");
        return s.Length > 600 ? s[..600] + "…" : s;
    }
}

/// <summary>The checkpoint's pickle names a Python global outside the allowlist (it could run code).</summary>
public sealed class CheckpointGlobalRefusedException : CheckpointFormatException
{
    public CheckpointGlobalRefusedException(string file, string global)
        : base($"checkpoint {file}: refuses to load global '{global}' (not a tensor, container or module class); only load checkpoints you trust")
        => Global = global;

    /// <summary>The refused global, "module.name".</summary>
    public string Global { get; }
}

/// <summary>Internal signal for malformed input; <see cref="TorchFile"/> turns it into a <see cref="CheckpointFormatException"/>.</summary>
internal sealed class PickleFormatException : Exception
{
    public PickleFormatException(string message) : base(message) { }
}
