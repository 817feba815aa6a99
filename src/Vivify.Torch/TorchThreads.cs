using System.Runtime.InteropServices;
using TorchSharp;

namespace Vivify.Torch;

/// <summary>
/// Which threads libtorch computes with, per calling thread. libtorch's CPU build parallelises with OpenMP (GNU
/// libgomp), which gives every thread that starts a parallel region a team of worker threads of its own, kept until
/// that thread ends. Once the process holds more such workers than it has CPUs, libgomp stops letting idle workers
/// spin between parallel regions and puts them to sleep instead, and work made of many small operations slows down
/// for every team: a stylization training step ran at half its speed (6–7 steps a second instead of 13–15 on 2 cores)
/// once one other thread, here a web request preparing a keyframe, had run a single multi-threaded operation.
/// So: threads that only help the one doing the heavy work (decoding, preparing an input, answering a request) compute
/// on their own thread (<see cref="OneThreadHere"/>), and heavy work that is not the caller's runs on a thread that
/// ends with it (<see cref="OnOwnThread{T}"/>), which frees its team.
/// </summary>
public static class TorchThreads
{
    /// <summary>
    /// libtorch computes on the calling thread alone until the result is disposed (on the same thread), which then
    /// restores the thread's previous count; other threads keep theirs. A no-op where the OpenMP runtime is not found.
    /// </summary>
    public static IDisposable OneThreadHere()
    {
        // libtorch sets a thread's OpenMP count from the process-wide one the first time the thread asks for it: ask
        // first, so that this does not undo the setting below later.
        var before = torch.get_num_threads();
        if (before == 1 || OpenMp.SetNumThreads is not { } set) return NoChange.Instance;
        set(1);
        return new Restore(before, Environment.CurrentManagedThreadId);
    }

    /// <summary>
    /// Runs <paramref name="work"/> on a new thread named <paramref name="name"/>, which ends when the work does (and so
    /// frees the OpenMP team it started); the task completes with the work's result or exception.
    /// </summary>
    public static Task<T> OnOwnThread<T>(Func<T> work, string name)
    {
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try { done.SetResult(work()); }
            catch (Exception e) { done.SetException(e); }
        })
        { IsBackground = true, Name = name };
        thread.Start();
        return done.Task;
    }

    /// <inheritdoc cref="OnOwnThread{T}(Func{T}, string)"/>
    public static Task OnOwnThread(Action work, string name) => OnOwnThread(() => { work(); return true; }, name);

    private sealed class Restore(int threads, int thread) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            if (Environment.CurrentManagedThreadId != thread)
                throw new InvalidOperationException("dispose the scope of TorchThreads.OneThreadHere on the thread that made it");
            _done = true;
            OpenMp.SetNumThreads!(threads);
        }
    }

    private sealed class NoChange : IDisposable
    {
        public static readonly NoChange Instance = new();
        public void Dispose() { }
    }

    /// <summary>The OpenMP runtime libtorch loaded (libgomp, or Intel's libiomp5), found among the process's mapped files.</summary>
    private static class OpenMp
    {
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        public delegate void SetNumThreadsFn(int threads);

        public static readonly SetNumThreadsFn? SetNumThreads = Find();

        private static SetNumThreadsFn? Find()
        {
            if (!OperatingSystem.IsLinux()) return null;
            _ = torch.get_num_threads(); // libtorch, and with it its OpenMP runtime, is loaded
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                var slash = line.IndexOf('/', StringComparison.Ordinal);
                if (slash < 0) continue;
                var path = line[slash..];
                var file = Path.GetFileName(path);
                if (!file.StartsWith("libgomp", StringComparison.Ordinal) && !file.StartsWith("libiomp5", StringComparison.Ordinal)) continue;
                if (NativeLibrary.TryLoad(path, out var library) && NativeLibrary.TryGetExport(library, "omp_set_num_threads", out var set))
                    return Marshal.GetDelegateForFunctionPointer<SetNumThreadsFn>(set);
            }
            return null;
        }
    }
}
