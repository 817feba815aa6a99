using System.CommandLine;
using Vivify.Torch.Checkpoints;

namespace Vivify.Cli.Commands;

/// <summary>`vivify checkpoint inspect FILE` and `vivify checkpoint convert IN OUT`.</summary>
public static class CheckpointCommand
{
    public static Command Create()
    {
        var cmd = new Command("checkpoint", "Inspect and convert PyTorch (.pth, .pt, .pth.tar) and safetensors checkpoints");
        cmd.Subcommands.Add(Inspect());
        cmd.Subcommands.Add(Convert());
        return cmd;
    }

    private static Command Inspect()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A .pth/.pt/.pth.tar (zip or legacy format) or .safetensors file" };
        var allow = AllowClassOption();
        var cmd = new Command("inspect", "Print every tensor's key, dtype and shape, and the non-tensor entries") { file, allow };
        cmd.SetAction(parse =>
        {
            Cli.ApplyGlobals(parse);
            var path = parse.GetValue(file)!.FullName;
            var rows = Load(path, parse.GetValue(allow), options => CheckpointListing.Entries(path, options));
            var o = parse.InvocationConfiguration.Output;
            int width = rows.Count == 0 ? 0 : Math.Min(rows.Max(r => r.Key.Length), 80);
            long tensors = 0, elements = 0;
            foreach (var row in rows)
            {
                if (row.IsTensor)
                {
                    tensors++;
                    elements += row.Elements;
                    o.WriteLine($"{row.Key.PadRight(width)}  {row.DType,-8}  [{string.Join(", ", row.Shape!)}]");
                }
                else o.WriteLine($"{row.Key.PadRight(width)}  = {row.Value}");
            }
            o.WriteLine($"{tensors} tensors, {elements:N0} elements, {rows.Count - tensors} other entries");
            return 0;
        });
        return cmd;
    }

    private static Command Convert()
    {
        var input = new Argument<FileInfo>("IN") { Description = "A .pth/.pt/.pth.tar (zip or legacy format) or .safetensors file" };
        var output = new Argument<FileInfo>("OUT") { Description = ".pth/.pt/.pth.tar (written in PyTorch's zip format) or .safetensors" };
        var allow = AllowClassOption();
        var cmd = new Command("convert", "Convert between PyTorch checkpoints (either format in, zip out) and safetensors") { input, output, allow };
        cmd.SetAction(parse =>
        {
            Cli.ApplyGlobals(parse);
            var inPath = parse.GetValue(input)!.FullName;
            var outPath = parse.GetValue(output)!.FullName;
            CheckpointIO.KindOf(outPath); // validates the extension before any work
            using var plan = Vivify.Media.OutputPlan.Begin().Input(inPath).File(outPath, "a checkpoint");
            Load(inPath, parse.GetValue(allow), options => { CheckpointListing.Convert(inPath, outPath, options); return 0; });
            plan.Commit();
            if (!parse.GetValue(Cli.Quiet))
                parse.InvocationConfiguration.Output.WriteLine($"wrote {outPath}");
            return 0;
        });
        return cmd;
    }

    private static Option<string[]> AllowClassOption() => new("--allow-class")
    {
        Description = "Also read pickled instances of this Python class (module.Name, or a prefix ending in .*) as data; nothing is run. "
            + "torch.nn layers and the published stylization tool's model classes are always allowed",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Loads with torch.nn layers, the published tools' module classes and the user's --allow-class read as data.</summary>
    private static T Load<T>(string path, string[]? allowed, Func<TorchLoadOptions, T> use)
    {
        var options = TorchLoadOptions.PickledModules([.. Vivify.Stylize.StylizeCheckpoints.PublishedClasses, .. allowed ?? []]);
        try { return use(options); }
        catch (CheckpointGlobalRefusedException e)
        {
            throw new VivifyException($"{e.Message}; if it is a whole pickled model from a tool you trust, add --allow-class {e.Global} to read its tensors as data (nothing is run)", e);
        }
    }
}
