using BenchmarkDotNet.Running;
using Vivify.Bench;

// dotnet run -c Release --project bench/Vivify.Bench -- ops|faces [--quick]
// Other suites (animate, stylize, train) are added beside OpsBench as their issues land.
if (args.Length > 0 && args[0] == "ops") return OpsReport.Run(args.Skip(1).ToArray());
if (args.Length > 0 && args[0] == "faces") return FacesReport.Run(args.Skip(1).ToArray());
return BenchmarkSwitcher.FromAssembly(typeof(OpsBench).Assembly).Run(args) is null ? 1 : 0;
