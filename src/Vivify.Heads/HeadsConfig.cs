namespace Vivify.Heads;

/// <summary>
/// Sizes and training settings of the talking-head model (Zakharov et al. 2019). The defaults are the paper's
/// where it gives them (Sec. 4 "Implementation details": 256×256 frames, 64 channels at least, 512 at most,
/// N = 512, self-attention at 32×32 in the downsampling parts and at 64×64 in the generator's upsampling part,
/// Adam at 5·10⁻⁵ for E and G and 2·10⁻⁴ for D with two D updates per G update, loss weights); the rest are
/// Vivify's choices, listed in README.md. YAML keys are the snake_case property names (<see cref="HeadsConfigReader"/>).
/// </summary>
public sealed record HeadsConfig
{
    /// <summary>Frames and landmark images are square, this many pixels a side (a power of two, at least 32).</summary>
    public int ImageSize { get; init; } = 256;

    /// <summary>Channels of the first (highest-resolution) block; they double per block up to <see cref="MaxWidth"/>.</summary>
    public int BaseWidth { get; init; } = 64;

    public int MaxWidth { get; init; } = 512;

    /// <summary>N: the size of the embedding ê, of the discriminator's φ and of the rows of W.</summary>
    public int EmbeddingDim { get; init; } = 512;

    /// <summary>Residual downsampling blocks of the generator before its bottleneck.</summary>
    public int GeneratorDownBlocks { get; init; } = 4;

    /// <summary>AdaIN residual blocks at the generator's bottleneck resolution.</summary>
    public int GeneratorResBlocks { get; init; } = 5;

    /// <summary>Resolution after which a self-attention block follows in E, V and G's downsampling part (0: none).</summary>
    public int AttentionDownResolution { get; init; } = 32;

    /// <summary>Resolution after which a self-attention block follows in G's upsampling part (0: none).</summary>
    public int AttentionUpResolution { get; init; } = 64;

    /// <summary>K: frames per episode that the embedder averages over during meta-learning (plus one target frame).</summary>
    public int KShot { get; init; } = 8;

    public double LearningRateEG { get; init; } = 5e-5;
    public double LearningRateD { get; init; } = 2e-4;
    public double Beta1 { get; init; } = 0.9;
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Discriminator updates per embedder/generator update.</summary>
    public int DiscriminatorSteps { get; init; } = 2;

    public double Vgg19Weight { get; init; } = 1.5e-1;
    public double VggFaceWeight { get; init; } = 2.5e-2;
    public double FeatureMatchingWeight { get; init; } = 10;
    public double MatchWeight { get; init; } = 80;

    /// <summary>
    /// Weight of the pixel L1 that stands in for L_CNT when no VGG19 weights are given (not in the paper; an
    /// untrained VGG19's deep activations are too small to steer G, and its first layer amounts to a pixel loss
    /// weighted 0.15, drowned by feature matching's 10). 100 as pix2pix weighs its L1 against its adversarial loss.
    /// </summary>
    public double PixelWeight { get; init; } = 100;

    /// <summary>
    /// A 64×64 model with narrow layers for tests and CPU demonstrations; E and G learn at 4× the paper's rate (meant
    /// for days of 256×256 training: a few thousand CPU steps at it left ê's path to the AdaIN coefficients too weak to
    /// carry a person's appearance), D at the paper's 2e-4 (4× that killed D's features within 200 steps).
    /// </summary>
    public static HeadsConfig Tiny { get; } = new()
    {
        ImageSize = 64, BaseWidth = 8, MaxWidth = 32, EmbeddingDim = 32,
        GeneratorDownBlocks = 2, GeneratorResBlocks = 1,
        AttentionDownResolution = 16, AttentionUpResolution = 32, KShot = 2,
        LearningRateEG = 2e-4, LearningRateD = 2e-4,
    };

    /// <summary>Residual downsampling blocks of E and V: from <see cref="ImageSize"/> down to 4×4.</summary>
    public int EncoderDownBlocks => Log2(ImageSize) - 2;

    /// <summary>Output channels of downsampling block <paramref name="i"/> of E and V (the last gives N).</summary>
    public int EncoderWidth(int i) => i == EncoderDownBlocks - 1 ? EmbeddingDim : Width(i);

    /// <summary>min(BaseWidth·2^i, MaxWidth).</summary>
    public int Width(int i) => (int)Math.Min((long)BaseWidth << Math.Min(i, 30), MaxWidth);

    public static HeadsConfig Load(string path) => HeadsConfigReader.Load(path);
    public static HeadsConfig Parse(string yaml, string source = "config") => HeadsConfigReader.Parse(yaml, source);

    /// <summary>Throws <see cref="VivifyException"/> naming <paramref name="source"/> and the key to fix.</summary>
    public void Validate(string source = "config") => Validate((key, what) => new VivifyException($"{source}: {key} {what}"));

    /// <summary>Throws the exception <paramref name="error"/> makes of the key to fix and what it must be.</summary>
    internal void Validate(Func<string, string, VivifyException> error)
    {
        void Fail(string key, string what) => throw error(key, what);
        if (ImageSize < 32 || (ImageSize & (ImageSize - 1)) != 0) Fail("image_size", $"must be a power of two of at least 32, not {ImageSize}");
        if (BaseWidth < 1) Fail("base_width", $"must be at least 1, not {BaseWidth}");
        if (MaxWidth < BaseWidth) Fail("max_width", $"must be at least base_width ({BaseWidth}), not {MaxWidth}");
        if (EmbeddingDim < 1) Fail("embedding_dim", $"must be at least 1, not {EmbeddingDim}");
        if (GeneratorDownBlocks < 1 || ImageSize >> GeneratorDownBlocks < 4)
            Fail("generator_down_blocks", $"must leave at least 4×4 pixels: 1 to {Log2(ImageSize) - 2} for image_size {ImageSize}, not {GeneratorDownBlocks}");
        if (GeneratorResBlocks < 0) Fail("generator_res_blocks", $"must be 0 or more, not {GeneratorResBlocks}");
        var downs = Enumerable.Range(1, EncoderDownBlocks).Select(i => ImageSize >> i).ToList();
        if (AttentionDownResolution != 0 && !downs.Contains(AttentionDownResolution))
            Fail("attention_down_resolution", $"must be 0 or one of {string.Join(", ", downs)}, not {AttentionDownResolution}");
        var ups = Enumerable.Range(0, GeneratorDownBlocks).Select(i => ImageSize >> i).ToList();
        if (AttentionUpResolution != 0 && !ups.Contains(AttentionUpResolution))
            Fail("attention_up_resolution", $"must be 0 or one of {string.Join(", ", ups)}, not {AttentionUpResolution}");
        if (KShot < 1) Fail("k_shot", $"must be at least 1, not {KShot}");
        if (!(LearningRateEG > 0)) Fail("learning_rate_e_g", $"must be positive, not {LearningRateEG}");
        if (!(LearningRateD > 0)) Fail("learning_rate_d", $"must be positive, not {LearningRateD}");
        if (Beta1 is < 0 or >= 1) Fail("beta1", $"must be in [0, 1), not {Beta1}");
        if (Beta2 is < 0 or >= 1) Fail("beta2", $"must be in [0, 1), not {Beta2}");
        if (DiscriminatorSteps < 1) Fail("discriminator_steps", $"must be at least 1, not {DiscriminatorSteps}");
        foreach (var (key, w) in new[] { ("vgg19_weight", Vgg19Weight), ("vgg_face_weight", VggFaceWeight),
                     ("feature_matching_weight", FeatureMatchingWeight), ("match_weight", MatchWeight), ("pixel_weight", PixelWeight) })
            if (!(w >= 0)) Fail(key, $"must be 0 or more, not {w}");
    }

    private static int Log2(int v) => System.Numerics.BitOperations.Log2((uint)v);
}
