namespace Vivify.Media;

/// <summary>
/// What one command reads and writes, declared before any work, and the transaction its outputs are written in.
/// <para>Declaring checks at once, so that a bad name fails in a second rather than after an hour of work: an
/// output's name fits what is written there (a video, a picture, a file of given extensions, a folder); its folder
/// exists and is writable; no output is, contains or is inside an input (compared as real paths, symbolic links
/// followed), whichever was declared first; no two outputs are the same.</para>
/// <para>While the plan is open (<see cref="Begin"/> to <see cref="Dispose"/>), every <see cref="AtomicOutput"/> of
/// the command is checked against the inputs when it is created and, when finished, held under its temporary name;
/// <see cref="Commit"/> puts them all in place together. Disposing without commit (an error, Ctrl-C) removes them all,
/// and the declared folders the command created, unless a folder holds work to keep (a training run's checkpoints).
/// Files written outside <see cref="AtomicOutput"/> (checkpoints saved during training) are never held back.</para>
/// </summary>
public sealed class OutputPlan : IDisposable
{
    private static readonly AsyncLocal<OutputPlan?> Ambient = new();

    private readonly OutputPlan? _outer;
    private readonly bool _hold;
    private readonly List<Entry> _inputs = [];
    private readonly List<Entry> _outputs = [];
    private readonly List<AtomicOutput> _held = [];
    private readonly List<(string Path, Func<string, bool>? Keep)> _newFolders = [];
    private bool _ended;

    private sealed record Entry(string Given, string Real);

    private OutputPlan(bool hold)
    {
        _hold = hold;
        _outer = Ambient.Value;
        Ambient.Value = this;
    }

    /// <summary>The plan open in this flow of work, or null.</summary>
    internal static OutputPlan? Current => Ambient.Value;

    /// <summary>
    /// Opens a plan for the current flow of work. <paramref name="holdOutputs"/> false (training commands, whose
    /// periodic pictures and checkpoints are kept as they come) checks and cleans up folders but holds nothing back.
    /// </summary>
    public static OutputPlan Begin(bool holdOutputs = true) => new(holdOutputs);

    /// <summary>
    /// An input file or folder (null: not given), which no output may touch. One that does not exist cannot be
    /// overwritten: its reader, which knows what it should be, reports it (before any work, as the command orders it).
    /// </summary>
    public OutputPlan Input(string? path)
    {
        if (path is null || (!System.IO.File.Exists(path) && !Directory.Exists(path))) return this;
        var entry = new Entry(path, RealPath.Of(path));
        foreach (var o in _outputs) RequireApart(o, entry);
        _inputs.Add(entry);
        return this;
    }

    public OutputPlan Inputs(IEnumerable<string?> paths)
    {
        foreach (var p in paths) Input(p);
        return this;
    }

    /// <summary>A video output: .mp4/.mov/.mkv/.m4v, .gif, or a directory for PNG frames.</summary>
    public OutputPlan Video(string? path)
    {
        if (path is null) return this;
        VideoWriter.CheckTarget(path);
        if (VideoWriter.IsFrameDirectory(path)) AtomicOutput.RequireReplaceableDirectory(path, AtomicOutput.FullPath(path));
        return Output(path, directory: VideoWriter.IsFrameDirectory(path));
    }

    /// <summary>A picture output: .png or .jpg.</summary>
    public OutputPlan Picture(string? path)
    {
        if (path is null) return this;
        ImageIO.CheckTarget(path);
        return Output(path, directory: false);
    }

    /// <summary>A picture (by a picture's extension) or else a video.</summary>
    public OutputPlan VideoOrPicture(string? path) =>
        path is not null && !Directory.Exists(path) && InputPath.IsStill(path) ? Picture(path) : Video(path);

    /// <summary>A file whose name ends with one of <paramref name="extensions"/> (none given: any name); <paramref name="what"/> names it, e.g. "a model".</summary>
    public OutputPlan File(string? path, string what, params string[] extensions)
    {
        if (path is null) return this;
        if (extensions.Length > 0 && !extensions.Any(e => path.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
            throw new OutputConflictException(path, $"{path}: {what} is written as {string.Join(" or ", extensions)}; give a name ending so");
        if (Directory.Exists(path)) throw new InvalidOutputException(path, $"{path}: is a directory; give a file name for {what}");
        return Output(path, directory: false);
    }

    /// <summary>
    /// A folder the command writes into (made by the command when missing). On failure it is removed if the command
    /// created it, unless <paramref name="keepOnFailure"/> says it holds work to keep.
    /// </summary>
    public OutputPlan Folder(string? path, Func<string, bool>? keepOnFailure = null)
    {
        if (path is null) return this;
        if (System.IO.File.Exists(path)) throw new InvalidOutputException(path, $"{path}: is a file; give a folder");
        if (!Directory.Exists(path)) _newFolders.Add((AtomicOutput.FullPath(path), keepOnFailure));
        return Output(path, directory: true);
    }

    private OutputPlan Output(string path, bool directory)
    {
        var folder = directory && Directory.Exists(path) ? AtomicOutput.FullPath(path) : AtomicOutput.RequireFolder(path);
        RequireWritable(path, folder);
        var entry = new Entry(path, RealPath.Of(path));
        foreach (var i in _inputs) RequireApart(entry, i);
        if (_outputs.FirstOrDefault(o => o.Real == entry.Real) is { } other)
            throw new OutputConflictException(path, $"{path}: is also the output {other.Given}; give each output its own path");
        _outputs.Add(entry);
        return this;
    }

    /// <summary>The check every output created inside the plan passes (also those named only while working).</summary>
    internal void RequireNotAnInput(string path)
    {
        var entry = new Entry(path, RealPath.Of(path));
        for (var plan = this; plan is not null; plan = plan._outer)
            foreach (var i in plan._inputs) RequireApart(entry, i);
    }

    private static void RequireApart(Entry output, Entry input)
    {
        var o = output.Real;
        var i = input.Real;
        var seen = IsLinked(output, input) ? " (through a symbolic link)" : "";
        if (o == i)
            throw new OutputConflictException(output.Given, $"{output.Given}: is the input {input.Given}{seen}; writing it would destroy the input: choose another output path");
        if (RealPath.IsSameOrInside(o, i))
            throw new OutputConflictException(output.Given, $"{output.Given}: is inside the input folder {input.Given}{seen}; choose an output outside it");
        if (RealPath.IsSameOrInside(i, o))
            throw new OutputConflictException(output.Given, $"{output.Given}: holds the input {input.Given}{seen}; writing there would replace it: choose another output path");
    }

    /// <summary>Whether the two only meet once links are followed.</summary>
    private static bool IsLinked(Entry a, Entry b)
    {
        string fa = AtomicOutput.FullPath(a.Given), fb = AtomicOutput.FullPath(b.Given);
        return !RealPath.IsSameOrInside(fa, fb) && !RealPath.IsSameOrInside(fb, fa);
    }

    private static void RequireWritable(string target, string folder)
    {
        var probe = Path.Combine(folder, $".vivify-probe-{Guid.NewGuid():N}");
        try
        {
            using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write)) { }
            System.IO.File.Delete(probe);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOutputException(target, $"{target}: cannot write in {folder} ({e.Message}); choose a writable output path");
        }
    }

    /// <summary>Takes a finished output to put in place at <see cref="Commit"/>; false when this plan holds nothing back.</summary>
    internal bool Hold(AtomicOutput output)
    {
        lock (_held)
        {
            if (!_hold || _ended) return false;
            _held.Add(output);
            return true;
        }
    }

    /// <summary>Puts every held output in place, in the order they were finished (an enclosing plan takes them over instead).</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        if (_outer is { _hold: true, _ended: false } outer)
        {
            outer._held.AddRange(_held);
            outer._newFolders.AddRange(_newFolders);
        }
        else foreach (var o in _held) o.CommitNow();
        _held.Clear();
        _newFolders.Clear();
        End();
    }

    public void Dispose()
    {
        if (_ended) return;
        for (var i = _held.Count - 1; i >= 0; i--) _held[i].Discard();
        _held.Clear();
        for (var i = _newFolders.Count - 1; i >= 0; i--)
        {
            var (path, keep) = _newFolders[i];
            if (!Directory.Exists(path) || keep?.Invoke(path) == true) continue;
            try { Directory.Delete(path, recursive: true); }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException) { }
        }
        End();
    }

    private void End()
    {
        _ended = true;
        if (Ambient.Value == this) Ambient.Value = _outer;
    }
}
