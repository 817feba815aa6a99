using BenchmarkDotNet.Running;
using Vivify.Bench;

// dotnet run -c Release --project bench/Vivify.Bench -- ops [--quick]
// dotnet run -c Release --project bench/Vivify.Bench -- stylize [--quick] (bench/stylize/README.md)
// Other suites (animate, stylize, train) are added beside OpsBench as their issues land.
if (args.Length > 0 && args[0] == "ops") return OpsReport.Run(args.Skip(1).ToArray());
if (args.Length > 0 && args[0] == "stylize")
{
    try { return StylizeReport.Run(args.Skip(1).ToArray()); }
    catch (Vivify.VivifyException e) { Console.Error.WriteLine(e.Message); return e.ExitCode; }
}
return BenchmarkSwitcher.FromAssembly(typeof(OpsBench).Assembly).Run(args) is null ? 1 : 0;
