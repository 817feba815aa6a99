using System.Globalization;
using TorchSharp.Modules;
using Vivify.TestSupport;
using Vivify.Torch.Optim;
using Xunit;
using static TorchSharp.torch;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Torch.Tests.Optim;

/// <summary>MultiStepLR against torch.optim.lr_scheduler.MultiStepLR of the installed PyTorch (1.13).</summary>
public class MultiStepLRTests
{
    // Learning rates seen at each of 7 epochs, from the start and resumed at last_epoch=3 (the way FOMM's
    // train.py resumes: the optimizer's lr and initial_lr come from the checkpoint).
    private const string Script = """
        import torch, warnings
        warnings.simplefilter('ignore')
        p = [torch.nn.Parameter(torch.zeros(1))]
        def run(opt, sch, n):
            out = []
            for _ in range(n):
                out.append(opt.param_groups[0]['lr']); opt.step(); sch.step()
            return out
        opt = torch.optim.Adam(p, lr=2e-4)
        a = run(opt, torch.optim.lr_scheduler.MultiStepLR(opt, [2, 4, 4], gamma=0.1), 7)
        opt2 = torch.optim.Adam(p, lr=2e-5)
        opt2.param_groups[0]['initial_lr'] = 2e-4
        b = run(opt2, torch.optim.lr_scheduler.MultiStepLR(opt2, [2, 4, 4], gamma=0.1, last_epoch=3), 3)
        print(' '.join(repr(x) for x in a)); print(' '.join(repr(x) for x in b))
        """;

    [Fact]
    public void LearningRatesEqualPyTorchsFromTheStartAndResumed()
    {
        using var scope = NewDisposeScope();
        var lines = Python.Run(Script).Trim().Split('\n');
        double[] Parse(string line) => line.Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray();

        var p = new Parameter(zeros(1));
        using var adam = new Adam(new[] { p }, lr: 2e-4);
        var fromStart = Run(adam, new MultiStepLR(adam, new[] { 2, 4, 4 }, gamma: 0.1), 7);
        Assert.Equal(Parse(lines[0]), fromStart);

        using var adam2 = new Adam(new[] { p }, lr: 2e-5);
        adam2.ParamGroups[0].InitialLr = 2e-4;
        var resumed = Run(adam2, new MultiStepLR(adam2, new[] { 2, 4, 4 }, gamma: 0.1, last_epoch: 3), 3);
        Assert.Equal(Parse(lines[1]), resumed);
    }

    [Fact]
    public void ResumingWithoutInitialLrFailsWithAMessage()
    {
        using var scope = NewDisposeScope();
        using var adam = new Adam(new[] { new Parameter(zeros(1)) });
        Assert.Throws<ModelMismatchException>(() => new MultiStepLR(adam, new[] { 2 }, last_epoch: 5));
    }

    private static double[] Run(Adam adam, MultiStepLR scheduler, int epochs)
    {
        var lrs = new List<double>();
        for (int e = 0; e < epochs; e++)
        {
            lrs.Add(adam.ParamGroups[0].Lr);
            adam.step();
            scheduler.step();
        }
        return lrs.ToArray();
    }
}
