using TorchSharp;
using static TorchSharp.torch;

namespace Vivify.Torch.Checkpoints;

/// <summary>
/// The tensor element types Vivify writes to checkpoints, with their names in torch.save
/// (legacy storage classes) and safetensors, and raw little-endian byte access.
/// </summary>
internal static class TensorDtypes
{
    private static readonly (ScalarType Type, int Size, string Storage, string SafeTensors)[] Table =
    {
        (ScalarType.Float32, 4, "FloatStorage", "F32"),
        (ScalarType.Float64, 8, "DoubleStorage", "F64"),
        (ScalarType.Float16, 2, "HalfStorage", "F16"),
        (ScalarType.BFloat16, 2, "BFloat16Storage", "BF16"),
        (ScalarType.Int8, 1, "CharStorage", "I8"),
        (ScalarType.Int16, 2, "ShortStorage", "I16"),
        (ScalarType.Int32, 4, "IntStorage", "I32"),
        (ScalarType.Int64, 8, "LongStorage", "I64"),
        (ScalarType.Byte, 1, "ByteStorage", "U8"),
        (ScalarType.Bool, 1, "BoolStorage", "BOOL"),
    };

    public static int ElementSize(ScalarType type) => Find(type).Size;

    /// <summary>torch.save's storage class name, e.g. "FloatStorage" (module "torch").</summary>
    public static string StorageName(ScalarType type) => Find(type).Storage;

    public static string SafeTensorsName(ScalarType type) => Find(type).SafeTensors;

    public static bool TryFromSafeTensorsName(string name, out ScalarType type, out int size)
    {
        foreach (var row in Table)
            if (row.SafeTensors == name) { type = row.Type; size = row.Size; return true; }
        type = default;
        size = 0;
        return false;
    }

    /// <summary>The tensor's elements in row-major order as little-endian bytes.</summary>
    public static byte[] ToBytes(Tensor tensor)
    {
        Find(tensor.dtype);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("checkpoint writing needs a little-endian machine");
        using var c = tensor.detach().cpu().contiguous();
        return c.bytes.ToArray();
    }

    /// <summary>A new CPU tensor of the given type and shape holding a copy of <paramref name="data"/>.</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> data, ScalarType type, long[] shape)
    {
        var t = empty(shape, type);
        if (data.Length > 0) t.bytes = data.ToArray();
        return t;
    }

    private static (ScalarType Type, int Size, string Storage, string SafeTensors) Find(ScalarType type)
    {
        foreach (var row in Table)
            if (row.Type == type) return row;
        throw new VivifyException($"tensors of type {type} cannot be saved: use float32/64/16, bfloat16, int8/16/32/64, uint8 or bool");
    }
}
