using Vivify.Media;

namespace Vivify.Stylize.Tests.Pipeline;

/// <summary>The tiny clip and configuration the pipeline tests train on: 5 frames of 24×20 whose colour gradients shift by one pixel a frame.</summary>
internal static class TinyStylizeClip
{
    public const string Yaml = """
        generator: {type: GeneratorJ, args: {use_bias: true, tanh: true, append_smoothers: true, resnet_blocks: 1, filters: [4, 4, 4, 4, 4, 4]}}
        discriminator: {type: DiscriminatorN_IN, args: {num_filters: 4, n_layers: 2}}
        trainer: {batch_size: 2}
        training_dataset: {type: DatasetPatches_M, patch_size: 12}
        """;

    public const int Width = 24, Height = 20, Frames = 5;

    /// <summary>Frame f: colour gradients shifted by f pixels; <paramref name="shade"/> brightens red (a "painting" of the frame).</summary>
    public static RgbFrame Frame(int f, int shade = 0)
    {
        var data = new byte[Width * Height * 3];
        for (var y = 0; y < Height; y++)
            for (var x = 0; x < Width; x++)
            {
                var i = (y * Width + x) * 3;
                data[i] = (byte)((x + f) * 10 + shade);
                data[i + 1] = (byte)(y * 12);
                data[i + 2] = (byte)(255 - (x + f) * 10);
            }
        return new RgbFrame(Width, Height, data);
    }

    /// <summary>Frame 0 painted with <paramref name="shade"/>, written as a PNG in <paramref name="dir"/>.</summary>
    public static string Painting(string dir, string name, int shade)
    {
        var path = Path.Combine(dir, name);
        ImageIO.Write(path, Frame(0, shade));
        return path;
    }
}
