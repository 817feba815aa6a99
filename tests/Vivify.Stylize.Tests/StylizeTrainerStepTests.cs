using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;
using Adam = Vivify.Torch.Optim.Adam;

namespace Vivify.Stylize.Tests;

/// <summary>StylizeTrainer.Step against the published step written out literally (both generator passes with autograd).</summary>
public sealed class StylizeTrainerStepTests
{
    [Fact]
    public void StepEqualsThePublishedStepWrittenOut() => CompareWithLiteralStep(singlePass: false);

    [Fact]
    public void SingleGeneratorPassKeepsParametersExactAndRunningStatisticsToRounding() => CompareWithLiteralStep(singlePass: true);

    private static void CompareWithLiteralStep(bool singlePass)
    {
        var config = StylizeConfig.Parse("""
            generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [8, 8, 8, 8, 8, 8]}}
            discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
            trainer: {batch_size: 4, reconstruction_weight: 4.0, adversarial_weight: 0.5}
            """);
        manual_seed(11);
        using var g1 = new GeneratorJ(config.Generator.Args);
        using var d1 = new DiscriminatorN_IN(config.Discriminator.Args);
        manual_seed(11);
        using var g2 = new GeneratorJ(config.Generator.Args);
        using var d2 = new DiscriminatorN_IN(config.Discriminator.Args);
        using var trainer = new StylizeTrainer(g1, d1, null, config) { SingleGeneratorPass = singlePass };
        var a = config.OptGenerator.Args;
        using var optG = new Adam(g2.parameters(), lr: a.Lr, betas: (a.Betas[0], a.Betas[1]), weight_decay: a.WeightDecay);
        var b = config.OptDiscriminator.Args;
        using var optD = new Adam(d2.parameters(), lr: b.Lr, betas: (b.Betas[0], b.Betas[1]), weight_decay: b.WeightDecay);

        manual_seed(12);
        for (var step = 0; step < 3; step++)
        {
            using var scope = NewDisposeScope();
            var pre = rand(4, 3, 16, 16) * 2 - 1;
            var post = rand(4, 3, 16, 16) * 2 - 1;
            var already = rand(4, 3, 16, 16) * 2 - 1;
            var losses = trainer.Step(pre, post, already);

            g2.train();
            d2.train();
            optD.zero_grad();
            var dLoss = StylizeLosses.Discriminator(d2, g2.forward(pre), already);
            dLoss.backward();
            optD.step();
            optG.zero_grad();
            var generated = g2.forward(pre);
            var image = StylizeLosses.Image(generated, post);
            var adversarial = StylizeLosses.Adversarial(d2, generated);
            var total = image * 4.0 + adversarial * 0.5;
            total.backward();
            optG.step();

            Assert.Equal(dLoss.item<float>(), losses.Discriminator, 6);
            Assert.Equal(total.item<float>(), losses.GeneratorTotal, 6);
        }
        var runningStats = 0;
        foreach (var ((name, x), (_, y)) in g1.state_dict().Zip(g2.state_dict()))
        {
            if (singlePass && (name.EndsWith("running_mean", StringComparison.Ordinal) || name.EndsWith("running_var", StringComparison.Ordinal)))
            {
                // m' = 1 − (1 − m)² once instead of m twice: the same average up to float rounding.
                TensorAssert.AllCloseAbs(y, x, 1e-6, "generator " + name);
                runningStats++;
            }
            else TensorAssert.Equal(y, x, "generator " + name);
        }
        Assert.Equal(singlePass ? 2 * 7 : 0, runningStats); // conv0-2, one resnet block (1), upconv2/1, smoother: 7 batch norms
        foreach (var ((name, x), (_, y)) in d1.state_dict().Zip(d2.state_dict()))
            TensorAssert.Equal(y, x, "discriminator " + name);
    }
}
