using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Vivify.Server.Animate;
using Vivify.Torch;

namespace Vivify.Server.Jobs;

/// <summary>
/// One heavy job at a time, on a thread of its own, behind a bounded queue: a slot is reserved before an upload is
/// read (so that full means 429 before any byte lands on disk) and taken when the job is queued. Job folders live in
/// DATA/jobs/ID; a finished job's inputs are removed at once and its result after the time to live; at start the
/// folders a previous run left are removed, and at shutdown the running job is cancelled (its writer leaves nothing
/// half-written), the waiting ones dropped, and every job folder removed.
/// </summary>
internal sealed class JobQueue : IHostedService, IDisposable
{
    public const string ResultName = "result.mp4";

    private readonly ServerOptions _options;
    private readonly IAnimateRunner _runner;
    private readonly TextWriter _log;
    private readonly object _lock = new();
    private readonly LinkedList<Job> _waiting = new();
    private readonly Dictionary<string, Job> _jobs = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();
    private Job? _running;
    private DeviceLease? _live; // an open live session holds the device as a running job does
    private int _reserved;
    private Thread? _worker;
    private Timer? _sweeper;

    public JobQueue(ServerOptions options, IAnimateRunner runner, TextWriter log)
    {
        _options = options; _runner = runner; _log = log;
        Folder = Path.Combine(Path.GetFullPath(options.DataDir), "jobs");
    }

    /// <summary>DATA/jobs: the only place job files go.</summary>
    public string Folder { get; }

    /// <summary>A queue slot for an upload about to be read, or 429 with Retry-After when the queue is full.</summary>
    public Reservation Reserve()
    {
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested) throw new ApiException(StatusCodes.Status503ServiceUnavailable, "the server is shutting down");
            var busy = (_running is null && _live is null ? 0 : 1) + _waiting.Count + _reserved;
            if (busy >= 1 + _options.QueueCapacity)
                throw new ApiException(StatusCodes.Status429TooManyRequests, $"the queue is full ({_options.QueueCapacity} waiting behind the running job); try again later")
                { RetryAfterSeconds = 10 * busy };
            _reserved++;
        }
        var id = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        return new Reservation(this, id, Directory.CreateDirectory(Path.Combine(Folder, id)).FullName);
    }

    /// <summary>An upload's slot and folder: queued with <see cref="Enqueue(IJobWork)"/>, or given back (folder removed) when disposed first.</summary>
    public sealed class Reservation(JobQueue queue, string id, string folder) : IDisposable
    {
        private bool _open = true;
        public string Id { get; } = id;
        public string Folder { get; } = folder;

        public Job Enqueue(AnimateWork work) => Enqueue(new AnimateJobWork(work, queue._runner));

        public Job Enqueue(IJobWork work)
        {
            var job = new Job(Id, Folder, work);
            lock (queue._lock)
            {
                if (!_open) throw new InvalidOperationException("reservation already used");
                _open = false;
                queue._reserved--;
                if (queue._stopping.IsCancellationRequested)
                {
                    RemoveFolder(Folder);
                    throw new ApiException(StatusCodes.Status503ServiceUnavailable, "the server is shutting down");
                }
                queue._jobs[Id] = job;
                queue._waiting.AddLast(job);
                Monitor.PulseAll(queue._lock);
            }
            return job;
        }

        public void Dispose()
        {
            lock (queue._lock)
            {
                if (!_open) return;
                _open = false;
                queue._reserved--;
            }
            RemoveFolder(Folder);
        }
    }

    /// <summary>
    /// The device for a live session, held until the lease is disposed: one heavy thing at a time, so it is refused
    /// (409) while a job runs or waits or another session holds it, and jobs submitted meanwhile wait behind it.
    /// </summary>
    public IDisposable HoldDevice()
    {
        lock (_lock)
        {
            if (_stopping.IsCancellationRequested) throw new ApiException(StatusCodes.Status503ServiceUnavailable, "the server is shutting down");
            if (_live is not null)
                throw new ApiException(StatusCodes.Status409Conflict, "another live session is open (one at a time on this server); close it first");
            if (_running is not null || _waiting.Count > 0 || _reserved > 0)
                throw new ApiException(StatusCodes.Status409Conflict, "an animate job is running or waiting; a live session needs the device to itself: try again when it is done");
            return _live = new DeviceLease(this);
        }
    }

    private sealed class DeviceLease(JobQueue queue) : IDisposable
    {
        public void Dispose()
        {
            lock (queue._lock)
            {
                if (queue._live != this) return;
                queue._live = null;
                Monitor.PulseAll(queue._lock); // jobs that waited behind the session start
            }
        }
    }

    public Job? Find(string id)
    {
        lock (_lock) return _jobs.GetValueOrDefault(id);
    }

    public JobView View(Job job)
    {
        lock (_lock)
        {
            var index = 0;
            for (var node = _waiting.First; node is not null; node = node.Next, index++)
                if (node.Value == job) return job.View(index + (_running is null && _live is null ? 0 : 1));
            return job.View(null);
        }
    }

    /// <summary>
    /// DELETE: a waiting job is dropped, a running one cancelled (its worker removes what it wrote), a finished one
    /// removed with its result. False for an unknown id.
    /// </summary>
    public bool Delete(string id)
    {
        Job? job;
        lock (_lock)
        {
            if (!_jobs.TryGetValue(id, out job)) return false;
            if (job.State == JobState.Queued)
            {
                _waiting.Remove(job);
                job.MoveTo(JobState.Cancelled);
                RemoveFolder(job.Folder);
                return true;
            }
            if (job.IsFinished)
            {
                _jobs.Remove(id);
                RemoveFolder(job.Folder);
                return true;
            }
        }
        job.Cancel.Cancel(); // running: the worker sees it between batches
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Folder);
        foreach (var dir in Directory.EnumerateDirectories(Folder))
            if (IsJobFolderName(Path.GetFileName(dir))) RemoveFolder(dir); // a previous run's: nothing can reach them
        _worker = new Thread(Work) { IsBackground = true, Name = "vivify job worker" };
        _worker.Start();
        _sweeper = new Timer(_ => Sweep(DateTime.UtcNow), null, _options.SweepInterval, _options.SweepInterval);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        List<Job> all;
        lock (_lock)
        {
            _stopping.Cancel();
            foreach (var job in _waiting) job.MoveTo(JobState.Cancelled);
            _waiting.Clear();
            _running?.Cancel.Cancel();
            Monitor.PulseAll(_lock);
            all = [.. _jobs.Values];
        }
        if (_sweeper is not null) await _sweeper.DisposeAsync();
        if (_worker is not null) await Task.Run(() => _worker.Join(), CancellationToken.None);
        foreach (var job in all) RemoveFolder(job.Folder);
    }

    /// <summary>Removes the finished jobs older than the time to live, with their folders.</summary>
    public int Sweep(DateTime now)
    {
        List<Job> expired;
        lock (_lock)
        {
            expired = [.. _jobs.Values.Where(j => j.FinishedUtc is DateTime t && now - t >= _options.JobTimeToLive)];
            foreach (var job in expired) _jobs.Remove(job.Id);
        }
        foreach (var job in expired) RemoveFolder(job.Folder);
        return expired.Count;
    }

    private void Work()
    {
        while (true)
        {
            Job job;
            lock (_lock)
            {
                while ((_waiting.Count == 0 || _live is not null) && !_stopping.IsCancellationRequested) Monitor.Wait(_lock);
                if (_stopping.IsCancellationRequested) return;
                job = _waiting.First!.Value;
                _waiting.RemoveFirst();
                _running = job;
                job.MoveTo(JobState.Running);
            }
            // Each job computes on a thread that ends with it, which frees libtorch's OpenMP team (see TorchThreads): a
            // team kept by an idle thread would slow the next live session's.
            try { TorchThreads.OnOwnThread(() => Run(job), "vivify job").Wait(); }
            finally { lock (_lock) _running = null; }
        }
    }

    private void Run(Job job)
    {
        var work = job.Work;
        try
        {
            work.Run(job.Progress, frame => job.LatestFrame = frame, job.Cancel.Token);
            Finish(job, JobState.Done);
        }
        catch (Exception) when (job.Cancel.IsCancellationRequested)
        {
            Finish(job, JobState.Cancelled);
        }
        catch (VivifyException e)
        {
            var names = new Dictionary<string, string>(work.Names) { [job.Folder] = "job" };
            Finish(job, JobState.Failed, JsonErrors.OneLine(e.Message, names));
        }
        catch (Exception e)
        {
            lock (_log) _log.WriteLine($"vivify serve: job {job.Id}: {e}");
            Finish(job, JobState.Failed, "internal error; the server's log has the details");
        }
        finally
        {
            foreach (var input in work.Inputs) TryDelete(input);
            if (job.State != JobState.Done) RemoveFolder(job.Folder);
        }
    }

    /// <summary>
    /// The job's final state and the device given up in one step: a client that sees the job finished can open a live
    /// session at once (before, the device stayed held until the job's thread had ended: a 409 for a moment).
    /// </summary>
    private void Finish(Job job, JobState state, string? error = null)
    {
        lock (_lock)
        {
            job.MoveTo(state, error);
            if (_running == job) _running = null;
            Monitor.PulseAll(_lock);
        }
    }

    private static bool IsJobFolderName(string name) => name.Length == 32 && name.All(char.IsAsciiHexDigitLower);

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    internal static void RemoveFolder(string path)
    {
        try { if (Directory.Exists(path)) Directory.Delete(path, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        lock (_lock) Monitor.PulseAll(_lock);
        _sweeper?.Dispose();
        _stopping.Dispose();
    }
}
