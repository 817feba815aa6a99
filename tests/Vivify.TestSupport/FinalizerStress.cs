namespace Vivify.TestSupport;

/// <summary>
/// Runs work again and again while another thread forces collections and runs finalizers without pause: a
/// finalizer that frees native memory while libtorch still reads it (a temporary TorchSharp Scalar) shows within seconds.
/// </summary>
public static class FinalizerStress
{
    /// <summary>Runs <paramref name="round"/> until <paramref name="budget"/> has passed; returns the rounds run and the collections forced meanwhile.</summary>
    public static (long Rounds, long Collections) Run(TimeSpan budget, Action round)
    {
        var stop = false;
        long collections = 0;
        var collector = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0);
                GC.WaitForPendingFinalizers();
                Interlocked.Increment(ref collections);
            }
        })
        { IsBackground = true };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long rounds = 0;
        collector.Start();
        try
        {
            while (clock.Elapsed < budget)
            {
                round();
                rounds++;
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
        return (rounds, Interlocked.Read(ref collections));
    }
}
