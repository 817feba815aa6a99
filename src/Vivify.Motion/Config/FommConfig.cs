using Vivify.Configuration;

namespace Vivify.Motion;

// The published YAML configuration (config/*.yaml of the first-order-model code), key for key.
// Property names are the YAML keys; defaults are the published constructors' defaults.

/// <summary>A whole configuration file: dataset, model, training and evaluation parameters.</summary>
public sealed class FommConfig
{
    public DatasetParams dataset_params { get; set; } = new();
    public ModelParams model_params { get; set; } = new();
    public TrainParams? train_params { get; set; }
    public ReconstructionParams? reconstruction_params { get; set; }
    public AnimateParams? animate_params { get; set; }
    public VisualizerParams? visualizer_params { get; set; }

    /// <summary>The file it was read from, which names the line of a key in later messages; null when built in code.</summary>
    public ConfigFile? File { get; internal set; }

    /// <summary>Reads a configuration file (throws <see cref="VivifyException"/> naming the file and the problem).</summary>
    public static FommConfig Load(string path) => FommConfigReader.Load(path);

    /// <summary>Parses configuration text; <paramref name="source"/> names it in messages.</summary>
    public static FommConfig Parse(string yaml, string source = "config") => FommConfigReader.Parse(yaml, source);
}

public sealed class DatasetParams
{
    public string? root_dir { get; set; }
    public List<int> frame_shape { get; set; } = [256, 256, 3];
    public bool id_sampling { get; set; }
    public string? pairs_list { get; set; }
    public Dictionary<string, object>? augmentation_params { get; set; }
}

public sealed class ModelParams
{
    public CommonParams common_params { get; set; } = new();
    public KpDetectorParams kp_detector_params { get; set; } = new();
    public GeneratorParams generator_params { get; set; } = new();
    public DiscriminatorParams discriminator_params { get; set; } = new();
}

public sealed class CommonParams
{
    public long num_kp { get; set; } = 10;
    public long num_channels { get; set; } = 3;
    public bool estimate_jacobian { get; set; }
}

public sealed class KpDetectorParams
{
    public double temperature { get; set; } = 0.1;
    public long block_expansion { get; set; } = 32;
    public long max_features { get; set; } = 1024;
    public double scale_factor { get; set; } = 1;
    public int num_blocks { get; set; } = 5;
    public bool single_jacobian_map { get; set; }
    public long pad { get; set; }
}

public sealed class GeneratorParams
{
    public long block_expansion { get; set; } = 64;
    public long max_features { get; set; } = 512;
    public int num_down_blocks { get; set; } = 2;
    public int num_bottleneck_blocks { get; set; } = 6;
    public bool estimate_occlusion_map { get; set; }
    public DenseMotionParams? dense_motion_params { get; set; }
}

public sealed class DenseMotionParams
{
    public long block_expansion { get; set; } = 64;
    public long max_features { get; set; } = 1024;
    public int num_blocks { get; set; } = 5;
    public double scale_factor { get; set; } = 1;
    public double kp_variance { get; set; } = 0.01;
}

public sealed class DiscriminatorParams
{
    /// <summary>Scales as written in the YAML (an int such as 1 or a float such as 0.5): they name the discriminators.</summary>
    public List<string> scales { get; set; } = [];
    public long block_expansion { get; set; } = 64;
    public long max_features { get; set; } = 512;
    public int num_blocks { get; set; } = 4;
    public bool sn { get; set; }
    public bool use_kp { get; set; }
    public double kp_variance { get; set; } = 0.01;
}

public sealed class TrainParams
{
    public int num_epochs { get; set; }
    public int num_repeats { get; set; } = 1;
    public List<int> epoch_milestones { get; set; } = [];
    public double lr_generator { get; set; } = 2e-4;
    public double lr_discriminator { get; set; } = 2e-4;
    public double lr_kp_detector { get; set; } = 2e-4;
    public int batch_size { get; set; }
    public List<double> scales { get; set; } = [1];
    public int checkpoint_freq { get; set; }
    public TransformParams? transform_params { get; set; }
    public LossWeights loss_weights { get; set; } = new();
}

public sealed class TransformParams
{
    public double sigma_affine { get; set; }
    public double sigma_tps { get; set; }
    public int points_tps { get; set; }
}

public sealed class LossWeights
{
    public double generator_gan { get; set; }
    public double discriminator_gan { get; set; }
    public List<double> feature_matching { get; set; } = [];
    public List<double> perceptual { get; set; } = [];
    /// <summary>
    /// Vivify's addition, absent (0) from the published configs: the weight of the mean absolute difference between the
    /// prediction and the driving frame at full resolution, logged as <c>pixel</c>. configs/shapes-64.yaml sets it:
    /// trained with the untrained VGG19 of --no-pretrained-vgg, the perceptual loss alone left the predictions further
    /// from the frames (README, "Training the motion model").
    /// </summary>
    public double pixel { get; set; }
    public double equivariance_value { get; set; }
    public double equivariance_jacobian { get; set; }
}

public sealed class ReconstructionParams
{
    public int num_videos { get; set; }
    public string? format { get; set; }
}

public sealed class AnimateParams
{
    public int num_pairs { get; set; }
    public string? format { get; set; }
    public NormalizationParams normalization_params { get; set; } = new();
}

public sealed class NormalizationParams
{
    public bool adapt_movement_scale { get; set; }
    public bool use_relative_movement { get; set; }
    public bool use_relative_jacobian { get; set; }
}

public sealed class VisualizerParams
{
    public int kp_size { get; set; }
    public bool draw_border { get; set; }
    public string? colormap { get; set; }
}
