using Vivify.TestSupport;
using Xunit;

namespace Vivify.Stylize.Tests;

/// <summary>
/// Stylization configurations read through the shared reader: unknown keys are errors at their line, and the
/// published files' <c>job</c> section (aliases of the top-level sections, which their train.py reads) is accepted
/// when it says the same as the top-level sections Vivify reads, refused when it differs.
/// </summary>
public sealed class StylizeConfigErrorTests
{
    private static string Error(string yaml)
    {
        var e = Assert.Throws<ConfigurationException>(() => StylizeConfig.Parse(yaml, "s.yaml"));
        Assert.StartsWith("s.yaml: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.DoesNotContain("System.", e.Message);
        return e.Message;
    }

    [Fact]
    public void UnknownKeysAndWrongValuesNameTheLineAndKey()
    {
        Assert.StartsWith("s.yaml: line 4: trainer.batchsize: unknown key (did you mean 'batch_size'?); expected one of batch_size, epochs, ",
            Error("generator:\n  type: GeneratorJ\ntrainer:\n  batchsize: 4\n"));
        Assert.Contains("line 2: generator.args.filters: expected a list such as [a, b, c] of whole numbers, not '32'", Error("generator:\n  args: {filters: 32}\n"));
        Assert.Contains("line 2: generator.type: 'GeneratorX' is not supported: use GeneratorJ", Error("generator:\n  type: GeneratorX\n"));
        Assert.StartsWith("s.yaml: line 2: the '[' opened here is never closed", Error("trainer: {batch_size: 4}\ngenerator: [1, 2"));
    }

    [Fact]
    public void ThePublishedJobSectionIsAcceptedWhenItIsTheTopLevelOne()
    {
        // The published layout (_config/reference_P.yaml): anchored top-level sections, aliased under job.
        var published = ("\n" + File.ReadAllText(Fixtures.Path("stylize", "reference_P.yaml")))
            .Replace("\ngenerator:\n", "\ngenerator: &generator_j\n").Replace("\ntrainer:\n", "\ntrainer: &trainer_1\n")
            + "\njob:\n  generator: *generator_j\n  trainer: *trainer_1\n  num_workers: 1\n  device: \"cuda:0\"\n";
        Assert.Contains("&trainer_1", published);
        Assert.Equal(40, StylizeConfig.Parse(published, "reference_P.yaml").Trainer.BatchSize);
        // Written out again instead of aliased: the same.
        Assert.Equal(4, StylizeConfig.Parse("trainer: {batch_size: 4}\njob:\n  trainer: {batch_size: 4}\n  num_workers: 1\n  device: cpu\n").Trainer.BatchSize);
    }

    [Fact]
    public void AJobSectionThatDiffersIsRefused()
    {
        Assert.Equal("s.yaml: line 3: job.trainer: differs from the top-level trainer on line 1, which is what Vivify reads; make them the same (job: trainer: *alias) or delete job; configs/stylize-reference_P.yaml shows the expected keys",
            Error("trainer: {batch_size: 4}\njob:\n  trainer: {batch_size: 40}\n"));
        Assert.Contains("line 2: job.generator: differs from the top-level generator (there is none)", Error("job:\n  generator: {type: GeneratorJ}\n"));
        Assert.Contains("line 2: job.workers: unknown key", Error("job:\n  workers: 2\n"));
    }
}
