using TorchSharp;

namespace Vivify.Torch;

/// <summary>The process-wide settings and facts of TorchSharp and libtorch, for programs that do not use TorchSharp themselves.</summary>
public static class TorchRuntime
{
    /// <summary>TorchSharp's version (e.g. 0.107.0).</summary>
    public static string TorchSharpVersion => typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?";

    /// <summary>libtorch's version (e.g. 2.10.0+cpu).</summary>
    public static string LibTorchVersion => torch.__version__;

    /// <summary>Threads libtorch uses for tensor work.</summary>
    public static int Threads
    {
        get => torch.get_num_threads();
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            torch.set_num_threads(value);
        }
    }

    /// <summary>Seeds libtorch's random generators (CPU and CUDA).</summary>
    public static void Seed(long seed) => torch.manual_seed(seed);

    /// <summary>Whether this build and machine can compute on CUDA.</summary>
    public static bool CudaAvailable => torch.cuda.is_available();

    /// <summary>The devices tensors can live on: "cpu", then "cuda:0", "cuda:1", … where CUDA is available.</summary>
    public static IReadOnlyList<string> Devices()
    {
        var devices = new List<string> { "cpu" };
        if (torch.cuda.is_available())
            for (var i = 0; i < torch.cuda.device_count(); i++) devices.Add($"cuda:{i}");
        return devices;
    }
}
