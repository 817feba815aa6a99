using Vivify.Server.Jobs;
using Xunit;

namespace Vivify.Server.Tests;

/// <summary>The device is given up when a job finishes, not when its thread has ended.</summary>
public sealed class JobQueueDeviceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vivify-job-device").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>Work whose clean-up (the removal of its inputs, after the job's final state) waits for the test.</summary>
    private sealed class SlowCleanUp : IJobWork, IDisposable
    {
        public readonly ManualResetEventSlim CleanUpMayRun = new();

        public void Dispose() => CleanUpMayRun.Dispose();

        public string? Output => null;
        public IReadOnlyList<string> Inputs
        {
            get
            {
                CleanUpMayRun.Wait(TimeSpan.FromSeconds(30));
                return [];
            }
        }

        public void Run(Action<double> progress, Action<Vivify.Media.RgbFrame> preview, CancellationToken cancel) => progress(1);
    }

    [Fact]
    public async Task A_live_session_may_start_as_soon_as_the_job_before_it_is_done()
    {
        using var runner = new GateRunner();
        using var queue = new JobQueue(new ServerOptions { ModelsDir = _root, DataDir = _root }, runner, TextWriter.Null);
        await queue.StartAsync(CancellationToken.None);
        using var work = new SlowCleanUp();
        try
        {
            using var reservation = queue.Reserve();
            var job = reservation.Enqueue(work);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (job.State != JobState.Done && waited.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(10);
            Assert.Equal(JobState.Done, job.State);
            using var lease = queue.HoldDevice(); // 409 before: the job still held the device while its thread cleaned up
        }
        finally
        {
            work.CleanUpMayRun.Set();
            await queue.StopAsync(CancellationToken.None);
        }
    }
}
