namespace Vivify.Cli.Commands;

/// <summary>Inputs checked on other threads while the main one works: their errors keep the order of a sequential check.</summary>
internal static class InputTasks
{
    /// <summary>
    /// Called when the main work failed: waits for <paramref name="earlier"/> (work that a sequential check would
    /// have done first) and rethrows the first of their errors; returns when none failed, for the caller to rethrow its own.
    /// </summary>
    public static void ThrowFirstFault(params Task[] earlier)
    {
        foreach (var task in earlier)
        {
            try { task.Wait(); } catch (AggregateException) { }
            if (task.IsFaulted) task.GetAwaiter().GetResult();
        }
    }
}
