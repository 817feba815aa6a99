using System.CommandLine;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

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
            using var scope = NewDisposeScope();
            var root = ModulesAsStateDicts(Load(path, parse.GetValue(allow)));
            var o = parse.InvocationConfiguration.Output;
            var rows = CheckpointTree.Flatten(root).ToList();
            int width = rows.Count == 0 ? 0 : Math.Min(rows.Max(r => r.Key.Length), 80);
            long tensors = 0, elements = 0;
            foreach (var (key, value) in rows)
            {
                if (value is Tensor t)
                {
                    tensors++;
                    elements += t.numel();
                    o.WriteLine($"{key.PadRight(width)}  {DTypeName(t.dtype),-8}  [{string.Join(", ", t.shape)}]");
                }
                else o.WriteLine($"{key.PadRight(width)}  = {Describe(value)}");
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
            using var scope = NewDisposeScope();
            var root = Load(inPath, parse.GetValue(allow));
            CheckpointIO.Save(root, outPath);
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
    private static object? Load(string path, string[]? allowed)
    {
        var options = TorchLoadOptions.PickledModules([.. Vivify.Stylize.StylizeCheckpoints.PublishedClasses, .. allowed ?? []]);
        try { return CheckpointIO.Load(path, options); }
        catch (CheckpointGlobalRefusedException e)
        {
            throw new VivifyException($"{e.Message}; if it is a whole pickled model from a tool you trust, add --allow-class {e.Global} to read its tensors as data (nothing is run)", e);
        }
    }

    /// <summary>Whole pickled modules shown as the state dicts PyTorch would give; other objects as their pickled state.</summary>
    private static object? ModulesAsStateDicts(object? node) => node switch
    {
        PyObject o => TryModuleState(o) ?? (object)o,
        PyDict d => Rebuilt(d),
        List<object?> l when l.Count > 0 && l.All(IsScalar) => new Inline("[", l, "]"),
        PyTuple t when t.Count > 0 && t.Items.All(IsScalar) => new Inline("(", t.Items, t.Count == 1 ? ",)" : ")"),
        List<object?> l => l.Select(ModulesAsStateDicts).ToList(),
        PyTuple t => new PyTuple(t.Items.Select(ModulesAsStateDicts).ToArray()),
        _ => node,
    };

    private static bool IsScalar(object? v) => v is null or string or bool or long or int or double or System.Numerics.BigInteger;

    /// <summary>A list or tuple of plain values, printed on one line (at most 16 items, then a count).</summary>
    private sealed record Inline(string Open, IReadOnlyList<object?> Items, string Close)
    {
        public override string ToString() =>
            Open + string.Join(", ", Items.Take(16).Select(Describe)) + (Items.Count > 16 ? $", … ({Items.Count} items)" : "") + Close;
    }

    private static PyDict Rebuilt(PyDict d)
    {
        var copy = new PyDict(d.TypeName);
        foreach (var (k, v) in d) copy[k] = ModulesAsStateDicts(v);
        return copy;
    }

    private static PyDict? TryModuleState(PyObject o)
    {
        try { return ModuleState.FromPickledModule(o); }
        catch (VivifyException) { return null; }
    }

    /// <summary>A float as Python's repr writes it: 0.0002, 1e-08, 3.0, inf, nan.</summary>
    internal static string PythonFloat(double d)
    {
        if (double.IsNaN(d)) return "nan";
        if (double.IsInfinity(d)) return d > 0 ? "inf" : "-inf";
        var s = d.ToString("R", System.Globalization.CultureInfo.InvariantCulture).Replace("E", "e");
        if (s.Contains('e')) { var parts = s.Split('e'); var exp = int.Parse(parts[1]); s = parts[0] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00"); }
        else if (!s.Contains('.')) s += ".0";
        return s;
    }

    internal static string DTypeName(ScalarType t) => t switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.Float64 => "float64",
        ScalarType.Float16 => "float16",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Int64 => "int64",
        ScalarType.Int32 => "int32",
        ScalarType.Int16 => "int16",
        ScalarType.Int8 => "int8",
        ScalarType.Byte => "uint8",
        ScalarType.Bool => "bool",
        _ => t.ToString().ToLowerInvariant(),
    };

    private static string Describe(object? v) => v switch
    {
        null => "None",
        string s => "'" + s + "'",
        bool b => b ? "True" : "False",
        double d => PythonFloat(d),
        PyTuple t => t.ToString(),
        List<object?> l => "[" + string.Join(", ", l.Select(Describe)) + "]",
        byte[] b => $"bytes[{b.Length}]",
        PyGlobal g => g.ToString(),
        PyObject po => po.ToString(),
        _ => System.Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? "?",
    };
}
