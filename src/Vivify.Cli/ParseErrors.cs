using System.CommandLine.Parsing;
using System.Text.RegularExpressions;

namespace Vivify.Cli;

/// <summary>
/// Parse errors as a user reads them: System.CommandLine names the .NET type a value failed to convert to
/// ("as expected type 'System.Nullable`1[System.Double]'"); this says what was expected instead ("--minutes 'abc'
/// is not a number").
/// </summary>
internal static partial class ParseErrors
{
    public static string Describe(ParseError error)
    {
        var (name, type, tokens) = error.SymbolResult switch
        {
            OptionResult o => (o.Option.Name, o.Option.ValueType, o.Tokens),
            ArgumentResult a => (a.Argument.Name, a.Argument.ValueType, a.Tokens),
            _ => ((string?)null, (Type?)null, (IReadOnlyList<Token>?)null),
        };
        if (name is not null && type is not null && tokens is { Count: > 0 }
            && (error.Message.Contains(type.ToString(), StringComparison.Ordinal) || error.Message.Contains($"'{Element(type)}'", StringComparison.Ordinal)))
        {
            var element = Element(type);
            var bad = tokens.Select(t => t.Value).FirstOrDefault(v => !Converts(v, element)) ?? tokens[0].Value;
            return $"{name} '{bad}' is not {Expected(element)}";
        }
        return TypeName().Replace(error.Message, m => Expected(Type.GetType(m.Value.Replace("'", "")) is { } t ? Element(t) : typeof(object)));
    }

    private static Type Element(Type type)
    {
        if (type.IsArray) type = type.GetElementType()!;
        return Nullable.GetUnderlyingType(type) ?? type;
    }

    private static bool Converts(string value, Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int32 => int.TryParse(value, out _),
        TypeCode.Int64 => long.TryParse(value, out _),
        TypeCode.Double => double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _),
        TypeCode.Boolean => bool.TryParse(value, out _),
        _ => true,
    };

    private static string Expected(Type type) => Type.GetTypeCode(type) switch
    {
        TypeCode.Int16 or TypeCode.Int32 or TypeCode.Int64 => "a whole number",
        TypeCode.Single or TypeCode.Double or TypeCode.Decimal => "a number",
        TypeCode.Boolean => "true or false",
        _ => "a valid value",
    };

    /// <summary>A .NET type name as System.CommandLine prints it, e.g. System.Int32 or System.Nullable`1[System.Double].</summary>
    [GeneratedRegex(@"'?System\.[A-Za-z`0-9\.\[\]]+'?")]
    private static partial Regex TypeName();
}
