using Xunit;

namespace Vivify.Heads.Tests;

public class HeadsConfigTests
{
    [Fact]
    public void DefaultsAreThePapers()
    {
        var c = new HeadsConfig();
        Assert.Equal(256, c.ImageSize);
        Assert.Equal(64, c.BaseWidth);
        Assert.Equal(512, c.MaxWidth);
        Assert.Equal(512, c.EmbeddingDim);
        Assert.Equal(32, c.AttentionDownResolution);
        Assert.Equal(64, c.AttentionUpResolution);
        Assert.Equal(5e-5, c.LearningRateEG);
        Assert.Equal(2e-4, c.LearningRateD);
        Assert.Equal(2, c.DiscriminatorSteps);
        Assert.Equal(1.5e-1, c.Vgg19Weight);
        Assert.Equal(2.5e-2, c.VggFaceWeight);
        Assert.Equal(10, c.FeatureMatchingWeight);
        Assert.Equal(80, c.MatchWeight);
        Assert.Equal(6, c.EncoderDownBlocks); // 256 → 4
        Assert.Equal([64, 128, 256, 512, 512, 512], Enumerable.Range(0, 6).Select(c.EncoderWidth));
        c.Validate();
        HeadsConfig.Tiny.Validate();
    }

    [Fact]
    public void YamlOverridesSnakeCaseKeysAndKeepsTheRest()
    {
        var c = HeadsConfig.Parse("image_size: 128\nbase_width: 32\nlearning_rate_e_g: 1.0e-4\nattention_up_resolution: 0\nmatch_weight: 40\n", "x.yaml");
        Assert.Equal(128, c.ImageSize);
        Assert.Equal(32, c.BaseWidth);
        Assert.Equal(1e-4, c.LearningRateEG);
        Assert.Equal(0, c.AttentionUpResolution);
        Assert.Equal(40, c.MatchWeight);
        Assert.Equal(512, c.EmbeddingDim);
        Assert.Equal(new HeadsConfig(), HeadsConfig.Parse("", "empty.yaml"));
    }

    [Theory]
    [InlineData("image_sise: 128\n", "x.yaml: line 1: image_sise: unknown key (did you mean 'image_size'?)")]
    [InlineData("image_size: big\n", "x.yaml: line 1: image_size: expected a whole number, not 'big'")]
    [InlineData("\n\nbase_width: 8\nimage_size: [64\n", "x.yaml: line 4: the '[' opened here is never closed")]
    [InlineData("image_size: 100\n", "x.yaml: line 1: image_size: must be a power of two")]
    [InlineData("max_width: 8\n", "x.yaml: line 1: max_width: must be at least base_width")]
    [InlineData("generator_down_blocks: 7\n", "x.yaml: line 1: generator_down_blocks: must leave at least 4×4 pixels")]
    [InlineData("attention_down_resolution: 48\n", "x.yaml: line 1: attention_down_resolution: must be 0 or one of 128, 64, 32, 16, 8, 4")]
    [InlineData("match_weight: -1\n", "x.yaml: line 1: match_weight: must be 0 or more")]
    public void BadValuesFailWithOneLineNamingTheFileAndKey(string yaml, string start)
    {
        var e = Assert.Throws<ConfigurationException>(() => HeadsConfig.Parse(yaml, "x.yaml"));
        Assert.StartsWith(start, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void MissingFileFailsWithOneLine()
    {
        var e = Assert.Throws<InvalidInputException>(() => HeadsConfig.Load("/nonexistent/heads.yaml"));
        Assert.StartsWith("/nonexistent/heads.yaml: talking-head configuration file not found", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
