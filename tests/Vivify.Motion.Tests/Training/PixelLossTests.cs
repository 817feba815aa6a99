using Vivify.Motion.Training;
using Vivify.TestSupport;
using Xunit;
using static TorchSharp.torch;

namespace Vivify.Motion.Tests;

/// <summary><c>loss_weights.pixel</c>, Vivify's addition to the published losses: weighted full-resolution L1, absent by default.</summary>
public class PixelLossTests
{
    [Fact]
    public void The_pixel_loss_is_the_weighted_mean_absolute_difference_and_the_published_configs_leave_it_out()
    {
        Assert.Equal(0, FommConfig.Load(Fixtures.Path("fomm", "tiny.yaml")).train_params!.loss_weights.pixel);
        var config = FommConfig.Load(Path.Combine(Fixtures.RepoRoot, "configs", "shapes-64.yaml"));
        var train = config.train_params!;
        Assert.True(train.loss_weights.pixel > 0);
        train.loss_weights.perceptual = [0, 0, 0, 0, 0];
        train.loss_weights.equivariance_value = 0;
        train.loss_weights.equivariance_jacobian = 0;
        train.loss_weights.pixel = 7;

        using var scope = NewDisposeScope();
        manual_seed(3);
        using var models = new TrainModels(config);
        var channels = config.model_params.common_params.num_channels;
        var discScales = config.model_params.discriminator_params.scales;
        using var full = new GeneratorFullModel(models.kp_detector, models.generator, models.discriminator, train, channels, discScales, null);
        var (source, driving) = (rand(2, 3, 64, 64), rand(2, 3, 64, 64));
        var (losses, generated) = full.forward(source, driving, null);
        Assert.Equal(["pixel"], losses.Keys.ToArray());
        var expected = 7 * (generated.prediction - driving).abs().mean().item<float>();
        Assert.Equal(expected, losses["pixel"].item<float>(), 1e-6f);
        losses["pixel"].backward();
        Assert.Contains(models.generator.parameters(), p => p.grad is { } g && g.abs().sum().item<float>() > 0);
    }
}
