using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vivify.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Vivify.Torch.Tests;

/// <summary>
/// A canonical, exact text dump of a checkpoint graph, computed the same way by <see cref="PythonDumper"/>
/// on what torch.load returns: one token per line; floats as their IEEE bits; strings as UTF-8 hex;
/// tensors as dtype, shape, requires_grad and the SHA-256 of their row-major little-endian bytes.
/// </summary>
internal static class CheckpointDump
{
    public static string Dump(object? value)
    {
        var sb = new StringBuilder();
        Write(value, sb);
        return sb.ToString();
    }

    private static void Write(object? v, StringBuilder sb)
    {
        switch (v)
        {
            case null: sb.Append("None\n"); break;
            case bool b: sb.Append(b ? "True\n" : "False\n"); break;
            case long l: sb.Append("int ").Append(l.ToString(CultureInfo.InvariantCulture)).Append('\n'); break;
            case double d: sb.Append("float ").Append(BitConverter.DoubleToInt64Bits(d).ToString("x16", CultureInfo.InvariantCulture)).Append('\n'); break;
            case string s: sb.Append("str ").Append(Convert.ToHexStringLower(Encoding.UTF8.GetBytes(s))).Append('\n'); break;
            case byte[] bytes: sb.Append("bytes ").Append(Convert.ToHexStringLower(bytes)).Append('\n'); break;
            case PyTuple t:
                sb.Append("tuple ").Append(t.Count).Append('\n');
                foreach (var i in t.Items) Write(i, sb);
                break;
            case List<object?> list:
                sb.Append("list ").Append(list.Count).Append('\n');
                foreach (var i in list) Write(i, sb);
                break;
            case PyDict dict:
                sb.Append(dict.TypeName == "collections.OrderedDict" ? "OrderedDict " : "dict ").Append(dict.Count).Append('\n');
                foreach (var (k, val) in dict) { Write(k, sb); Write(val, sb); }
                break;
            case Tensor t:
                var dtype = t.dtype switch
                {
                    ScalarType.Float32 => "torch.float32",
                    ScalarType.Float64 => "torch.float64",
                    ScalarType.Float16 => "torch.float16",
                    ScalarType.BFloat16 => "torch.bfloat16",
                    ScalarType.Int8 => "torch.int8",
                    ScalarType.Int16 => "torch.int16",
                    ScalarType.Int32 => "torch.int32",
                    ScalarType.Int64 => "torch.int64",
                    ScalarType.Byte => "torch.uint8",
                    ScalarType.Bool => "torch.bool",
                    _ => throw new ArgumentException(t.dtype.ToString()),
                };
                sb.Append("tensor ").Append(dtype).Append(" [").Append(string.Join(", ", t.shape)).Append("] ")
                  .Append(t.requires_grad ? "True " : "False ")
                  .Append(Convert.ToHexStringLower(SHA256.HashData(TensorDtypes.ToBytes(t)))).Append('\n');
                break;
            default: throw new ArgumentException("cannot dump " + v.GetType());
        }
    }
}

internal static class PythonDumper
{
    /// <summary>Python source defining dump(value) -> str, the counterpart of <see cref="CheckpointDump"/>.</summary>
    public const string Source = """
import collections, hashlib, struct, torch

def dump(v, out):
    if v is None: out.append("None")
    elif isinstance(v, bool): out.append("True" if v else "False")
    elif isinstance(v, int): out.append("int %d" % v)
    elif isinstance(v, float): out.append("float " + struct.pack(">d", v).hex())
    elif isinstance(v, str): out.append("str " + v.encode("utf-8").hex())
    elif isinstance(v, bytes): out.append("bytes " + v.hex())
    elif isinstance(v, tuple):
        out.append("tuple %d" % len(v))
        for i in v: dump(i, out)
    elif isinstance(v, list):
        out.append("list %d" % len(v))
        for i in v: dump(i, out)
    elif isinstance(v, dict):
        out.append(("OrderedDict %d" if type(v) is collections.OrderedDict else "dict %d") % len(v))
        for k, val in v.items():
            dump(k, out); dump(val, out)
    elif isinstance(v, torch.Tensor):
        raw = v.detach().reshape(-1).contiguous().view(torch.uint8).numpy().tobytes()
        out.append("tensor %s [%s] %s %s" % (v.dtype, ", ".join(str(s) for s in v.shape), v.requires_grad, hashlib.sha256(raw).hexdigest()))
    else: raise TypeError(type(v))

def dumps(v):
    out = []
    dump(v, out)
    return "".join(line + "\n" for line in out)
""";
}
