namespace Vivify;

/// <summary>
/// The machine lacks something Vivify runs with: ffmpeg/ffprobe, Open MPI, a usable environment variable. The message
/// is one line saying what is missing and how to install or configure it.
/// </summary>
public class MissingDependencyException : VivifyException
{
    /// <param name="dependency">what is missing, e.g. "ffmpeg" or "libmpi"</param>
    /// <param name="message">the whole one-line message, with the fix</param>
    public MissingDependencyException(string dependency, string message, Exception? inner = null) : base(message, inner) => Dependency = dependency;

    /// <summary>What is missing, e.g. "ffmpeg".</summary>
    public string Dependency { get; }
}
