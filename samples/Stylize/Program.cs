// Stylizes a short clip from one painted keyframe with the Vivify.Stylize package:
//   dotnet run -- VIDEO PAINTED.png OUT.mp4 [FRAMES] [STEPS]
// PAINTED.png is the video's first frame painted over (same size). A tiny network and few steps keep it to seconds on
// a CPU; the published reference_P configuration (StylizeInputs.DefaultConfig()) and thousands of steps make the real thing.
using System.Globalization;
using Vivify.Stylize;
using Vivify.Stylize.Prep;

if (args.Length is < 3 or > 5)
{
    Console.Error.WriteLine("usage: Stylize VIDEO PAINTED.png OUT.mp4 [FRAMES] [STEPS]");
    return 2;
}
var (video, painted, output) = (args[0], args[1], args[2]);
var frames = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 8;
var steps = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 30;

var tiny = StylizeConfig.Parse("""
    generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [8, 8, 8, 8, 8, 8]}}
    discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
    trainer: {batch_size: 4, reconstruction_weight: 4.0, adversarial_weight: 0.5}
    training_dataset: {type: DatasetPatches_M, patch_size: 16}
    """, "tiny");

try
{
    var (clip, info) = StylizeInputs.LoadClip(video, maxFrames: frames);
    using (clip)
    using (var job = StylizeJob.Create(clip, [new KeyframeFile(0, painted)], new StylizeJobOptions { Config = tiny, PreFilter = PreFilter.Spatial }, video))
    {
        job.Train(new TrainingBudget(steps, null));
        job.WriteVideo(output, info.FrameRate);
        Console.WriteLine($"stylized {clip.Count} frames of {video} ({clip.Width}x{clip.Height}) after {job.Session.Steps} training steps: {output}");
    }
    return 0;
}
catch (Vivify.VivifyException e)
{
    Console.Error.WriteLine(e.Message); // one line naming the file and the fix
    return 1;
}
