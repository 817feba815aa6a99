using System.Globalization;
using System.Text;

namespace Vivify.Torch.Checkpoints;

/// <summary>Decoders for the text arguments of protocol-0 pickles (STRING and UNICODE opcodes).</summary>
internal static class PickleText
{
    /// <summary>A Python 2 str literal as repr() writes it ('abc', "a'b", escapes), decoded as UTF-8.</summary>
    public static string PythonStringLiteral(string line)
    {
        if (line.Length < 2 || line[0] != line[^1] || (line[0] != '\'' && line[0] != '"'))
            throw new PickleFormatException("STRING argument is not a quoted literal");
        var body = line[1..^1];
        var bytes = new List<byte>(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            var c = body[i];
            if (c != '\\') { bytes.Add((byte)c); continue; }
            if (++i >= body.Length) throw new PickleFormatException("STRING literal ends in a backslash");
            c = body[i];
            switch (c)
            {
                case 'n': bytes.Add((byte)'\n'); break;
                case 'r': bytes.Add((byte)'\r'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'a': bytes.Add(7); break;
                case 'b': bytes.Add(8); break;
                case 'f': bytes.Add(12); break;
                case 'v': bytes.Add(11); break;
                case '\\': case '\'': case '"': bytes.Add((byte)c); break;
                case 'x':
                    if (i + 2 >= body.Length || !byte.TryParse(body.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hx))
                        throw new PickleFormatException("bad \\x escape");
                    bytes.Add(hx);
                    i += 2;
                    break;
                case >= '0' and <= '7':
                    var v = 0; var n = 0;
                    while (n < 3 && i < body.Length && body[i] is >= '0' and <= '7') { v = v * 8 + (body[i] - '0'); i++; n++; }
                    i--;
                    bytes.Add((byte)(v & 0xff));
                    break;
                default: bytes.Add((byte)'\\'); bytes.Add((byte)c); break;
            }
        }
        var arr = bytes.ToArray();
        try { return new UTF8Encoding(false, true).GetString(arr); }
        catch (DecoderFallbackException) { return Encoding.Latin1.GetString(arr); }
    }

    /// <summary>Python's raw-unicode-escape: latin-1 text where only \uXXXX and \UXXXXXXXX are escapes.</summary>
    public static string RawUnicodeEscape(string line)
    {
        var sb = new StringBuilder(line.Length);
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (c == '\\' && i + 1 < line.Length && (line[i + 1] == 'u' || line[i + 1] == 'U'))
            {
                var len = line[i + 1] == 'u' ? 4 : 8;
                if (i + 2 + len > line.Length || !uint.TryParse(line.AsSpan(i + 2, len), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) || cp > 0x10FFFF)
                    throw new PickleFormatException("bad \\u escape in UNICODE argument");
                if (cp is >= 0xD800 and <= 0xDFFF) sb.Append((char)cp); else sb.Append(char.ConvertFromUtf32((int)cp));
                i += 1 + len;
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
