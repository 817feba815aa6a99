using System.Globalization;
using System.Diagnostics;
using TorchSharp;
using TorchSharp.Modules;
using Vivify.Torch.Modules;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Torch.Tests;

/// <summary>Tests that measure the process (resident memory) run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessMeasurementCollection
{
    public const string Name = "process measurements";
}

/// <summary>A long training loop, each step under its own dispose scope, keeps resident memory flat.</summary>
[Collection(ProcessMeasurementCollection.Name)]
public class MemoryTests
{
    private readonly ITestOutputHelper _output;
    public MemoryTests(ITestOutputHelper output) => _output = output;

    private sealed class SmallNet : nn.Module<Tensor, Tensor>
    {
        public Conv2d conv1 = nn.Conv2d(3, 8, 3, padding: 1);
        public SpectralNormConv2d conv2 = new(8, 3, 3, padding: 1);
        public SmallNet() : base(nameof(SmallNet)) => RegisterComponents();
        public override Tensor forward(Tensor x) => conv2.call(nn.functional.relu(conv1.call(x)));
    }

    [Fact]
    public void TenThousandTrainingStepsGrowResidentMemoryByLessThan50MB()
    {
        const int Steps = 10_000, Baseline = 1_000;
        const long Limit = 50L << 20;
        using var outer = NewDisposeScope();
        random.manual_seed(1);
        var net = new SmallNet();
        net.train();
        using var adam = new Adam(net.parameters(), lr: 1e-3, betas: (0.5, 0.999));
        var x = randn(1, 3, 16, 16);
        var target = randn(1, 3, 16, 16);

        long baseline = 0, liveAtBaseline = 0;
        double firstLoss = 0, lastLoss = 0;
        var clock = Stopwatch.StartNew();
        for (int step = 1; step <= Steps; step++)
        {
            using (var scope = NewDisposeScope())
            {
                adam.zero_grad();
                var loss = nn.functional.mse_loss(net.call(x), target);
                loss.backward();
                adam.step();
                if (step == 1) firstLoss = loss.item<float>();
                if (step == Steps) lastLoss = loss.item<float>();
            }
            if (step == Baseline)
            {
                baseline = ResidentBytes();
                _output.WriteLine($"at step {Baseline}: {Committed()}");
                liveAtBaseline = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
            }
        }
        var end = ResidentBytes();
        _output.WriteLine($"at step {Steps}: {Committed()}");
        _output.WriteLine($"{Steps} steps in {clock.Elapsed.TotalSeconds:F1} s; resident at step {Baseline}: {baseline >> 20} MB, at step {Steps}: {end >> 20} MB, growth {(end - baseline) / 1048576.0:F2} MB; loss {firstLoss:G4} -> {lastLoss:G4}");
        Assert.True(lastLoss < firstLoss, "the network trains");
        Assert.Equal(liveAtBaseline, DisposeScopeManager.Statistics.ThreadTotalLiveCount); // no tensor outlives its step
        Assert.True(end - baseline < Limit, $"resident memory grew by {(end - baseline) / 1048576.0:F1} MB between step {Baseline} and step {Steps}");
    }

    /// <summary>
    /// Resident set size (/proc/self/statm) once nothing the runtime could free is held: a blocking, compacting,
    /// aggressive collection of every generation, which also decommits the memory the collector keeps for later
    /// allocations (the generation-0 budget, sized from the L3 cache: 57–77 MB resident on the 2-core build machine
    /// whether or not anything leaks, which a plain GC.Collect leaves resident), then the finalizers it queued (which
    /// free native memory, TorchSharp's callbacks among them), then again for what they released.
    /// </summary>
    private static long ResidentBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    private static string Committed() => $"{GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0:F1} MB committed by the GC";
}
