namespace Vivify;

/// <summary>
/// An input file is missing, unreadable, corrupt or of the wrong kind (an image that does not decode, a video
/// without frames, a truncated data file). The message is one line naming the file and the fix; <see cref="Path"/>
/// is the file as the caller gave it.
/// </summary>
public class InvalidInputException : VivifyException
{
    /// <param name="path">the input file or folder, as the caller named it</param>
    /// <param name="message">the whole one-line message, naming <paramref name="path"/> and what to do</param>
    public InvalidInputException(string path, string message, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The input file or folder that is at fault.</summary>
    public string Path { get; }

    /// <summary>"PATH: not found; check the path" for a file that does not exist.</summary>
    public static InvalidInputException NotFound(string path, string what = "file") =>
        new(path, $"{what} not found: {path}; check the path");
}
