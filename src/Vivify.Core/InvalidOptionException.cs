namespace Vivify;

/// <summary>
/// A setting given to a library call is out of range (a frame rate that is not positive, a port above 65535, a token
/// too short). <see cref="Option"/> names the setting as the API spells it (the property or parameter name); the
/// message says the allowed values. A usage error (<see cref="ExitCode"/> 2); a program maps <see cref="Option"/> to
/// its own name for the setting (a command line to its option).
/// </summary>
public class InvalidOptionException : VivifyException
{
    /// <param name="option">the property or parameter at fault, e.g. nameof(ServerOptions.Port)</param>
    /// <param name="message">the whole one-line message, saying which values are allowed</param>
    public InvalidOptionException(string option, string message) : base(message) => Option = option;

    /// <summary>The property or parameter at fault, as the API names it.</summary>
    public string Option { get; }

    /// <summary>2: the request must change.</summary>
    public override int ExitCode => 2;
}
