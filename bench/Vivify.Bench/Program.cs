using BenchmarkDotNet.Running;
using Vivify.Bench;

// dotnet run -c Release --project bench/Vivify.Bench -- SUITE [--quick]   (or: make bench ARGS="SUITE [--quick]")
//   ops      conv2d / matmul / tiny-op overhead, fp32 and bf16, beside Debian's python3-torch
//   animate  vox-256 animation frames/s and peak memory, beside the published code (FOMM_PUBLISHED_DIR)
//   fullframe  animate --frame paste (paste-back + tracking) against --frame crop and whole at a 1920x1080 output; a 6000x4000 source's peak memory
//   scenecut  the scene-cut statistic within real clips and across cuts made by joining them (bench/faces/scenecut-results.md)
//   train    FOMM training steps/s, beside the published code (FOMM_CODE)
//   faces    face detection + landmarks per 640x480 frame, beside face-api under Node
//   stylize  stylization quality against wall time and inference frames/s, beside the published code (FSPBT_PUBLISHED_DIR)
//   distributed  data-parallel motion training, 1 rank x 2 threads against mpirun -np 2 x 1 thread; all-reduce bandwidth (FOMM_CODE for vox-256)
//   animate-ops  each operation of vox-256 inference alone, fp32 and bf16, contiguous and channels last
//   stylize-inference  inference frames/s alone, on frames of Megamind.avi and vtest.avi, fp32 and bf16, beside the published generator
//   repaint-steps  training steps until a repaint shows in a stylize preview, with and without the generator's Adam reset (--seeds N --threads T)
//   live     the Live tab's round trip (vivify serve + a WebSocket client), vox-256 256x256, fp32 and bf16: frames/s, p50/p95, profile
//   live-browser  the same in the studio page in Debian's chromium (Playwright, fake camera): the page's frames/s, p50/p95
if (args.Length > 0)
{
    var rest = args.Skip(1).ToArray();
    try
    {
        switch (args[0])
        {
            case "ops": return OpsReport.Run(rest);
            case "animate": return AnimateReport.Run(rest);
            case "fullframe": return FullFrameReport.Run(rest);
            case "scenecut": return SceneCutReport.Run(rest);
            case "train": return TrainReport.Run(rest);
            case "faces": return FacesReport.Run(rest);
            case "stylize": return StylizeReport.Run(rest);
            case "distributed": return DistributedReport.Run(rest);
            case "distributed-rank": return DistributedReport.Rank(rest);
            case "stylize-inference": return StylizeInferenceReport.Run(rest);
            case "animate-ops": return AnimateOpsReport.Run(rest);
            case "live": return LiveReport.Run(rest);
            case "live-browser": return LiveBrowserReport.Run(rest);
            case "repaint-steps": return RepaintStepsReport.Run(rest);
        }
    }
    catch (Vivify.VivifyException e)
    {
        Console.Error.WriteLine(e.Message);
        return e.ExitCode;
    }
}
return BenchmarkSwitcher.FromAssembly(typeof(OpsBench).Assembly).Run(args) is null ? 1 : 0;
