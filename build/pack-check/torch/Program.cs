// Computes with TorchSharp through Vivify.Torch: a tensor saved as PyTorch's torch.save would and read back.
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

var path = Path.Combine(Path.GetTempPath(), $"vivify-pack-check-{Environment.ProcessId}.pt");
try
{
    var a = arange(6, dtype: float32).reshape(2, 3);
    TorchSave.Save(new PyDict { { "a", a } }, path);
    var b = (Tensor)((PyDict)TorchFile.Load(path)!)["a"]!;
    var sum = b.matmul(b.T).sum().item<float>();   // [[5, 14], [14, 50]]
    Console.WriteLine($"libtorch {__version__}: sum of a·aᵀ after torch.save and load = {sum}");
    Console.WriteLine($"glibcxx compat: {(GlibcxxCompatLoaded() ? "loaded" : "not loaded")}");
    return sum == 83f ? 0 : 1;
}
finally
{
    File.Delete(path);
}

// Whether Vivify.Torch's Debian 12 companion library is mapped into this process (it is where the fix applies).
static bool GlibcxxCompatLoaded() =>
    File.ReadLines("/proc/self/maps").Any(l => l.EndsWith("/libvivify_glibcxx_compat.so", StringComparison.Ordinal));
