using Vivify.TestSupport;
using Xunit;

namespace Vivify.Cli.Tests;

/// <summary>`vivify checkpoint inspect|convert` on the published-layout fixtures, and their errors.</summary>
public sealed class CheckpointCommandTests : IDisposable
{
    private readonly CliHarness _cli = new();

    public void Dispose() => _cli.Dispose();

    private static string Fomm(string name) => Fixtures.Path("fomm", name);

    [Fact]
    [Trait("Category", "Parity")]
    public void Inspect_lists_dotted_tensor_keys_with_dtype_and_shape_and_the_other_entries()
    {
        var (code, output, err) = _cli.Run("checkpoint", "inspect", Fomm("checkpoint-legacy.pth.tar"));
        Assert.True(code == 0, err);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries))).ToArray();
        Assert.Contains(lines, l => l.StartsWith("generator.first.conv.weight float32 [", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("kp_detector.predictor.", StringComparison.Ordinal));
        Assert.Contains("epoch = 42", lines);
        Assert.Contains("optimizer_generator.param_groups.0.betas = (0.5, 0.999)", lines);
        Assert.Contains("optimizer_generator.param_groups.0.eps = 1e-08", lines);
        Assert.Matches(@"^\d+ tensors, [\d,]+ elements, \d+ other entries$", lines[^1]);
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void Inspect_reads_a_published_whole_pickled_model_as_its_state_dict()
    {
        var (code, output, err) = _cli.Run("checkpoint", "inspect", Fixtures.Path("stylize", "model_00000.pth"));
        Assert.True(code == 0, err);
        Assert.Contains("conv_12.0.weight", output);
        Assert.DoesNotContain("_parameters", output);
    }

    [Fact]
    [Trait("Category", "Parity")]
    public void Legacy_to_safetensors_to_zip_gives_what_torch_load_reads_equal_to_the_published_zip_checkpoint()
    {
        var st = _cli.PathOf("c.safetensors");
        var pth = _cli.PathOf("c.pth.tar");
        Assert.Equal(0, _cli.Run("checkpoint", "convert", Fomm("checkpoint-legacy.pth.tar"), st).Code);
        Assert.Equal(0, _cli.Run("checkpoint", "convert", st, pth).Code);
        // PyTorch 1.13's weights_only unpickler has no BINFLOAT (lr, betas are floats), so the optimizer states
        // need weights_only=False there; the generator alone must load with weights_only=True.
        var gen = _cli.PathOf("generator.pth");
        Assert.Equal(0, _cli.Run("checkpoint", "convert", Fomm("checkpoint-legacy.pth.tar"), _cli.PathOf("full.pt")).Code);
        var result = Python.Run("""
            import sys, torch
            a = torch.load(sys.argv[1], weights_only=False)
            b = torch.load(sys.argv[2])
            def same(x, y, p):
                if isinstance(x, dict):
                    assert list(x.keys()) == list(y.keys()), p
                    for k in x: same(x[k], y[k], p + '.' + str(k))
                elif isinstance(x, (list, tuple)):
                    assert type(x) == type(y) and len(x) == len(y), p
                    for i, (u, v) in enumerate(zip(x, y)): same(u, v, p + '.' + str(i))
                elif torch.is_tensor(x):
                    assert x.dtype == y.dtype and torch.equal(x, y), p
                else:
                    assert type(x) == type(y) and x == y, (p, x, y)
            same(b, a, '')
            torch.save(b['generator'], sys.argv[3], _use_new_zipfile_serialization=False)
            print('equal')
            """, pth, Fomm("checkpoint-zip.pth.tar"), gen);
        Assert.Equal("equal", result.Trim());
        // A legacy-format state dict in, zip out: torch.load with weights_only=True reads it.
        var genZip = _cli.PathOf("generator-zip.pth");
        Assert.Equal(0, _cli.Run("checkpoint", "convert", gen, genZip).Code);
        Assert.Equal("ok", Python.Run("""
            import sys, torch
            a = torch.load(sys.argv[1], weights_only=True); b = torch.load(sys.argv[2])['generator']
            assert list(a) == list(b) and all(torch.equal(a[k], b[k]) for k in a)
            print('ok')
            """, genZip, Fomm("checkpoint-zip.pth.tar")).Trim());
    }

    [Fact]
    public void A_missing_checkpoint_fails_with_one_line_naming_it()
    {
        var missing = _cli.PathOf("nope.pth");
        var (code, _, err) = _cli.Run("checkpoint", "inspect", missing);
        Assert.Equal(1, code);
        Assert.Contains(missing, err);
        Assert.Single(err.Trim().Split('\n'));
    }

    [Fact]
    public void An_unknown_output_extension_is_a_usage_error_and_writes_nothing()
    {
        var (code, _, err) = _cli.Run("checkpoint", "convert", Fomm("checkpoint-zip.pth.tar"), _cli.PathOf("out.onnx"));
        Assert.Equal(2, code);
        Assert.Contains(".safetensors", err);
        Assert.Empty(_cli.Entries());
    }

    [Fact]
    public void A_corrupt_checkpoint_fails_cleanly_and_leaves_no_output()
    {
        var bytes = File.ReadAllBytes(Fomm("checkpoint-zip.pth.tar"));
        var truncated = _cli.PathOf("truncated.pth");
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        var (code, _, err) = _cli.Run("checkpoint", "convert", truncated, _cli.PathOf("out.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains(truncated, err);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Equal(["truncated.pth"], _cli.Entries());
    }

    [Fact]
    public void A_foreign_pickled_class_is_refused_with_a_hint_and_read_as_data_when_allowed()
    {
        var path = _cli.PathOf("with-args.pth");
        Python.Run("""
            import sys, argparse, torch
            torch.save({'args': argparse.Namespace(size=256), 'w': torch.ones(2)}, sys.argv[1])
            """, path);
        var (code, _, err) = _cli.Run("checkpoint", "inspect", path);
        Assert.Equal(1, code);
        Assert.Contains("argparse.Namespace", err);
        Assert.Contains("--allow-class argparse.Namespace", err);
        var (ok, output, err2) = _cli.Run("checkpoint", "inspect", path, "--allow-class", "argparse.Namespace");
        Assert.True(ok == 0, err2);
        Assert.Contains("args.size", output);
        Assert.Contains("= 256", output);
    }
}
