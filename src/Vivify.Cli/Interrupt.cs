using System.Runtime.InteropServices;

namespace Vivify.Cli;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM cancel one token that every loop observes, so work stops between frames
/// and outputs are discarded (exit 130). A second Ctrl-C while stopping ends the process at once.
/// </summary>
public sealed class Interrupt : IDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Interrupt()
    {
        _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];
    }

    public CancellationToken Token => _cts.Token;

    private void Handle(PosixSignalContext context)
    {
        if (_cts.IsCancellationRequested) return; // second signal: default handling terminates the process
        context.Cancel = true;
        _cts.Cancel();
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _cts.Dispose();
    }
}
