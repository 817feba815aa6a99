namespace Vivify.Media;

/// <summary>
/// Warnings about inputs that are used anyway, such as a truncated video whose readable frames are taken. They go to
/// the sink installed for the current flow of work (<see cref="To"/>; the command line prints them), each once per
/// sink; without a sink they are dropped.
/// </summary>
public static class MediaWarnings
{
    private static readonly AsyncLocal<Sink?> Current = new();

    private sealed class Sink(Action<string> write, Sink? outer) : IDisposable
    {
        private readonly HashSet<string> _said = [];

        public void Say(string message)
        {
            lock (_said)
                if (!_said.Add(message)) return;
            write(message);
        }

        public void Dispose()
        {
            if (Current.Value == this) Current.Value = outer;
        }
    }

    /// <summary>Sends the warnings of this flow of work to <paramref name="write"/> until the result is disposed.</summary>
    public static IDisposable To(Action<string> write)
    {
        var sink = new Sink(write, Current.Value);
        Current.Value = sink;
        return sink;
    }

    internal static void Warn(string message) => Current.Value?.Say(message);
}
