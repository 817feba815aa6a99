using Vivify.TestSupport;
using Xunit;

namespace Vivify.Motion.Tests;

/// <summary>
/// The configuration errors of issue #18 on a real configuration (configs/vox-256.yaml): each names the file, the
/// line the problem is on, the dotted key and what was expected, in one line without .NET type names.
/// </summary>
public class ConfigErrorTests
{
    private static readonly string Vox = File.ReadAllText(Path.Combine(Fixtures.RepoRoot, "configs", "vox-256.yaml"));

    /// <summary>vox-256.yaml with line <paramref name="line"/> (1-based) replaced.</summary>
    private static string WithLine(int line, string text)
    {
        var lines = Vox.Split('\n');
        lines[line - 1] = text;
        return string.Join('\n', lines);
    }

    private static string Error(string yaml)
    {
        var e = Assert.Throws<ConfigurationException>(() => FommConfig.Parse(yaml, "my/vox.yaml"));
        Assert.StartsWith("my/vox.yaml: ", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        Assert.DoesNotContain("System.", e.Message);
        Assert.DoesNotContain("`1", e.Message);
        return e.Message;
    }

    [Fact]
    public void A_misspelt_key_deep_in_the_file_is_reported_at_its_own_line()
    {
        Assert.Equal("    max_features: 512", Vox.Split('\n')[18]);
        var m = Error(WithLine(19, "    max_featurs: 512"));
        Assert.StartsWith("my/vox.yaml: line 19: model_params.generator_params.max_featurs: unknown key (did you mean 'max_features'?); expected one of ", m);
    }

    [Fact]
    public void A_number_where_a_list_is_expected_says_what_was_expected()
    {
        Assert.Equal("my/vox.yaml: line 5: dataset_params.frame_shape: expected a list such as [a, b, c] of whole numbers, not '64'; the published config/*.yaml show the expected keys",
            Error(WithLine(5, "  frame_shape: 64")));
        Assert.Contains("line 9: model_params.common_params.num_channels: expected a whole number, not 'three'", Error(WithLine(9, "    num_channels: three")));
        Assert.Contains("line 10: model_params.common_params.estimate_jacobian: expected true or false, not 'maybe'", Error(WithLine(10, "    estimate_jacobian: maybe")));
        Assert.Contains("line 2: model_params.common_params: expected a section with the keys num_kp, num_channels, estimate_jacobian, not '3'", Error("model_params:\n  common_params: 3\n"));
    }

    [Fact]
    public void An_unclosed_bracket_is_reported_where_it_opens()
    {
        Assert.StartsWith("my/vox.yaml: line 29: ", Error(WithLine(29, "    scales: [1")));
        Assert.StartsWith("my/vox.yaml: line 5: the '[' opened here is never closed", Error("dataset_params:\n  frame_shape: [256, 256, 3\n".Insert(0, "# x\n# y\n# z\n")));
    }

    [Fact]
    public void Checks_on_values_name_the_line_of_the_value()
    {
        Assert.Equal("my/vox.yaml: line 8: model_params.common_params.num_kp: must be at least 1, not 0; the published config/*.yaml show the expected keys",
            Error(WithLine(8, "    num_kp: 0")));
        Assert.StartsWith("my/vox.yaml: line 15: model_params.kp_detector_params.scale_factor: must be in (0, 1], not 2", Error(WithLine(15, "    scale_factor: 2")));
    }

    [Fact]
    public void Augmentation_keys_are_checked_though_the_section_stays_free()
    {
        var yaml = Vox.Replace("  frame_shape: [256, 256, 3]\n", "  frame_shape: [256, 256, 3]\n  augmentation_params:\n    flip_param:\n      horizontal_flip: true\n      time_flip: yes\n    jitter_param:\n      hue: 0.1\n");
        Assert.Equal("true", FommConfig.Parse(yaml).dataset_params.augmentation_params!["flip_param"] is IDictionary<object, object> d ? d["horizontal_flip"] : null);
        Assert.Contains("line 9: dataset_params.augmentation_params.flip_param.time_flp: unknown key (did you mean 'time_flip'?)", Error(yaml.Replace("time_flip: yes", "time_flp: yes")));
        Assert.Contains("line 11: dataset_params.augmentation_params.jitter_param.hue: expected a number, not 'lots'", Error(yaml.Replace("hue: 0.1", "hue: lots")));
    }

    [Fact]
    public void Hostile_files_end_in_one_line()
    {
        Assert.Contains("nested more than 64 deep", Error("model_params: " + new string('[', 200_000) + "\n"));
        Assert.Contains("nested more than 64 deep", Error("model_params:\n" + string.Concat(Enumerable.Repeat("- ", 100_000)) + "1\n"));
        Assert.Contains("far beyond any configuration", Error("model_params: {}\n" + new string('#', 2 << 20)));
        // Aliases that would repeat a list 2^40 times if expanded: a free section counts what it reads.
        var laughs = "model_params: {}\ndataset_params:\n  augmentation_params:\n    x0: &a0 [1, 1]\n" +
                     string.Concat(Enumerable.Range(1, 40).Select(i => $"    x{i}: &a{i} [*a{i - 1}, *a{i - 1}]\n"));
        Assert.Contains("more than 100,000 values", Error(laughs));
    }

    [Fact]
    public void The_shipped_and_published_configurations_still_read()
    {
        foreach (var path in Directory.GetFiles(Path.Combine(Fixtures.RepoRoot, "configs"), "*.yaml").Where(p => !Path.GetFileName(p).StartsWith("stylize", StringComparison.Ordinal)))
            Assert.NotNull(FommConfig.Load(path).model_params);
        var published = "/tmp/published/AliaksandrSiarohin+first-order-model/config";
        if (Directory.Exists(published))
            foreach (var path in Directory.GetFiles(published, "*.yaml"))
                Assert.NotNull(FommConfig.Load(path).model_params);
    }
}
