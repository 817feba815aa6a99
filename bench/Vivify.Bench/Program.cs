using BenchmarkDotNet.Running;
using Vivify.Bench;

// dotnet run -c Release --project bench/Vivify.Bench -- ops [--quick]
// dotnet run -c Release --project bench/Vivify.Bench -- animate [--quick] [--write-checkpoint FILE]
// Other suites (stylize, train) are added beside these as their issues land.
if (args.Length > 0 && args[0] == "ops") return OpsReport.Run(args.Skip(1).ToArray());
if (args.Length > 0 && args[0] == "animate") return AnimateReport.Run(args.Skip(1).ToArray());
// dotnet run -c Release --project bench/Vivify.Bench -- ops|train [--quick]   (train: FOMM_CODE=published checkout for the comparison)
// Other suites (animate, stylize, train) are added beside OpsBench as their issues land.
if (args.Length > 0 && args[0] == "train") return TrainReport.Run(args.Skip(1).ToArray());
return BenchmarkSwitcher.FromAssembly(typeof(OpsBench).Assembly).Run(args) is null ? 1 : 0;
