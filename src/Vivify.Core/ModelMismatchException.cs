namespace Vivify;

/// <summary>
/// A checkpoint does not fit the model or its configuration: missing or unexpected weights, other shapes, another
/// network, an image size the model was not made for. The message is one line naming the checkpoint (or
/// configuration) and the fix, e.g. which configuration to use.
/// </summary>
public class ModelMismatchException : VivifyException
{
    /// <param name="message">the whole one-line message</param>
    /// <param name="path">the checkpoint or configuration file at fault, where there is one</param>
    public ModelMismatchException(string message, string? path = null, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The checkpoint or configuration file at fault, or null when the model came from memory.</summary>
    public string? Path { get; }
}
