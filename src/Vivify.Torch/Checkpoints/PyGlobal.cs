namespace Vivify.Torch.Checkpoints;

/// <summary>
/// A reference to an allowlisted Python global that a checkpoint holds as a value rather than calls:
/// a class (a pickled module's <c>norm_layer = nn.BatchNorm2d</c>) or a dtype (<c>torch.float32</c>).
/// Sets and frozensets map to a <see cref="PyObject"/> "builtins.set" / "builtins.frozenset" whose
/// elements are its <see cref="PyObject.ListItems"/>.
/// </summary>
public sealed class PyGlobal : IEquatable<PyGlobal>
{
    public PyGlobal(string module, string name)
    {
        Module = module;
        Name = name;
    }

    public string Module { get; }
    public string Name { get; }
    public string FullName => Module + "." + Name;

    public bool Equals(PyGlobal? other) => other is not null && other.Module == Module && other.Name == Name;
    public override bool Equals(object? obj) => obj is PyGlobal g && Equals(g);
    public override int GetHashCode() => HashCode.Combine(Module, Name);
    public override string ToString() => $"<class '{FullName}'>";
}
