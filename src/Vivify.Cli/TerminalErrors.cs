using System.Text;

namespace Vivify.Cli;

/// <summary>
/// The process's standard error as the commands write to it. Lines pass straight through, except while a progress
/// display is live on the terminal: its redrawing would overwrite them (a warning, a "waiting for a keyframe" flashed
/// and was gone), so they are then handed to the display, which prints them above itself.
/// </summary>
internal sealed class TerminalErrors(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();
    private Action<string>? _above;

    public override Encoding Encoding => inner.Encoding;

    /// <summary>Until disposed, whole lines go to <paramref name="above"/>.</summary>
    public IDisposable Above(Action<string> above)
    {
        lock (_line) _above = above;
        return new Release(this);
    }

    private sealed class Release(TerminalErrors errors) : IDisposable
    {
        public void Dispose()
        {
            lock (errors._line)
            {
                if (errors._line.Length > 0) errors._above?.Invoke(errors._line.ToString());
                errors._line.Clear();
                errors._above = null;
            }
        }
    }

    public override void Write(char value)
    {
        lock (_line)
        {
            if (_above is null) { inner.Write(value); return; }
            if (value == '\n')
            {
                _above(_line.ToString().TrimEnd('\r'));
                _line.Clear();
            }
            else _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        lock (_line)
        {
            if (_above is null) inner.Write(value);
            else foreach (var c in value ?? "") Write(c);
        }
    }

    public override void Flush()
    {
        lock (_line) inner.Flush();
    }
}
