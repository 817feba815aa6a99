namespace Vivify;

/// <summary>
/// A configuration file (YAML, JSON) cannot be used: it does not parse, or a key is missing, unknown or out of
/// range. The message is one line naming the file (where there is one), the line where known, the key and the fix.
/// </summary>
public class ConfigurationException : VivifyException
{
    /// <param name="path">the configuration file; null for a configuration built in memory</param>
    /// <param name="message">the whole one-line message</param>
    /// <param name="line">the 1-based line of the fault, where known</param>
    /// <param name="key">the key at fault (dotted, e.g. "model_params.common_params.num_kp"), where known</param>
    public ConfigurationException(string? path, string message, int? line = null, string? key = null, Exception? inner = null)
        : base(message, inner)
    {
        Path = path;
        Line = line;
        Key = key;
    }

    /// <summary>The configuration file, or null for a configuration built in memory.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line of the fault, or null.</summary>
    public int? Line { get; }

    /// <summary>The key at fault, or null.</summary>
    public string? Key { get; }
}
