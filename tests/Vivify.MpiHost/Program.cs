using Vivify.MpiHost;
using Vivify.Torch.Distributed;

// One rank of a test job: `mpirun -np N dotnet Vivify.MpiHost.dll CASE [ARGS]`; exit 0 and "rank R ok" when the
// case's own checks pass.
using var comm = World.Start();
TorchSharp.torch.set_num_threads(1);
switch (args[0])
{
    case "collectives": Cases.Collectives(comm); break;
    case "syncbn": Cases.SyncBatchNorm(comm, args[1]); break;
    case "hang": Cases.Hang(comm); break;
    case "dispose": Cases.Dispose(comm); break;
    case "fail": Cases.Fail(comm); break;
    case "motion": Trainers.Motion(comm, args[1], args[2], args[3], args.Contains("--resume")); break;
    case "heads": Trainers.Heads(comm, args[1], args[2], args.Contains("--resume")); break;
    case "stylize": Trainers.Stylize(comm, args[1], args.Contains("--resume")); break;
    default: throw new ArgumentException($"unknown case {args[0]}");
}
Console.WriteLine($"rank {comm.Rank} ok");
World.Finish(comm);
return 0;
