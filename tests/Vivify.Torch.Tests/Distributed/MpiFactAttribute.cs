using Vivify.TestSupport;
using Xunit;

namespace Vivify.Torch.Tests.Distributed;

/// <summary>A test that starts an MPI job: skipped, saying why, where mpirun is not installed.</summary>
public sealed class MpiFactAttribute : FactAttribute
{
    public MpiFactAttribute()
    {
        if (MpiRun.SkipReason is { } reason) Skip = reason;
    }
}
