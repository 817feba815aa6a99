namespace Vivify;

/// <summary>
/// An output cannot be written where the caller asked: the folder is missing or read-only, a directory stands where a
/// file should go (or the other way round), the disk is full. The message is one line naming the output and the fix;
/// nothing partial is left behind.
/// </summary>
public class InvalidOutputException : VivifyException
{
    /// <param name="path">the output as the caller named it</param>
    /// <param name="message">the whole one-line message, naming <paramref name="path"/> and what to do</param>
    public InvalidOutputException(string path, string message, Exception? inner = null) : base(message, inner) => Path = path;

    /// <summary>The output file or folder at fault.</summary>
    public string Path { get; }
}

/// <summary>
/// An output is refused before any work: it is (or holds, or lies inside) one of the inputs, it is also another
/// output, or its name asks for a format the writer does not make. A usage error (<see cref="ExitCode"/> 2): the
/// request itself must change.
/// </summary>
public class OutputConflictException : InvalidOutputException
{
    /// <inheritdoc cref="InvalidOutputException(string, string, Exception?)"/>
    public OutputConflictException(string path, string message) : base(path, message) { }

    /// <summary>2: the request must change.</summary>
    public override int ExitCode => 2;
}
