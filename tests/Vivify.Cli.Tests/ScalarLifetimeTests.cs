using System.Reflection;
using TorchSharp;
using Vivify.Torch;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Vivify.Cli.Tests;

/// <summary>
/// No Vivify code lets TorchSharp make a temporary <see cref="Scalar"/> that a finalizer could free while
/// libtorch still reads it (see <see cref="Scalars"/>). Read from the compiled code, so conversions the C#
/// compiler inserts (<c>x / 255f</c>, <c>clamp(0, 1)</c>) and those TorchSharp makes inside its own members
/// (<c>a + b</c> is <c>add(b, 1)</c>; <c>LeakyReLU</c>'s forward converts its slope) are all seen.
/// </summary>
public class ScalarLifetimeTests
{
    private readonly ITestOutputHelper _out;
    public ScalarLifetimeTests(ITestOutputHelper output) => _out = output;

    /// <summary>
    /// TorchSharp's sealed BatchNorm2d adds 1 to num_batches_tracked through a temporary Scalar in training mode; its
    /// type is part of every model's structure (state dicts, batch-norm folding), so it stays, but its training forward
    /// is never run: every network calls SynchronizedBatchNorm.forward, which does the same with lasting Scalars
    /// (BatchNormScalarStressTests; the temporary one did end a training run once).
    /// </summary>
    private static readonly string[] Accepted = ["TorchSharp.Modules.BatchNorm2d"];

    /// <summary>
    /// Calls into TorchScript from the one method that passes it only tensors and ints, and checks so at run time
    /// (OneDnnOps.Invoke): TorchSharp's ScriptModule.invoke makes a temporary Scalar only for a long, float or double
    /// argument (an int goes by value), and the module's forward, which jit.load's ScriptModule has, is never called.
    /// </summary>
    private static readonly (string Caller, string Callee)[] AcceptedCalls =
    [
        ("Vivify.Torch.Modules.OneDnnOps.Invoke", "ScriptModule.invoke"),
        ("Vivify.Torch.Modules.OneDnnOps.Load", "jit.load"),
    ];

    private static readonly string[] VivifyAssemblies =
        ["Vivify.Torch", "Vivify.Media", "Vivify.Motion", "Vivify.Stylize", "Vivify.Faces", "Vivify.Heads", "vivify"];

    [Fact]
    public void NoVivifyMethodLetsTorchSharpMakeATemporaryScalar()
    {
        var torchSharp = typeof(Scalar).Assembly;
        var makers = TemporaryScalarMakers(torchSharp);
        var moduleMakers = ModuleTypesWhoseForwardMakesOne(torchSharp, makers);
        _out.WriteLine($"TorchSharp: {makers.Count} members make a temporary Scalar; modules: {string.Join(", ", moduleMakers.Select(t => t.Name))}");

        var found = new List<string>();
        foreach (var name in VivifyAssemblies)
        {
            var assembly = Assembly.Load(name);
            foreach (var type in SafeTypes(assembly))
                foreach (var field in type.GetFields(IlCalls.Everything))
                    if (field.FieldType == typeof(Scalar) && type != typeof(Scalars))
                        found.Add($"{type.FullName}.{field.Name} keeps a Scalar in a field: pass Scalars.S(x) to each call instead");
            foreach (var method in IlCalls.Methods(assembly))
            {
                if (method.DeclaringType == typeof(Scalars) || method.DeclaringType?.DeclaringType == typeof(Scalars)) continue;
                foreach (var callee in IlCalls.Callees(method))
                {
                    var why = callee.Module.Assembly != torchSharp ? null
                        : ReturnType(callee) == typeof(Scalar) ? "makes a Scalar that nothing keeps alive"
                        : makers.Contains(IlCalls.Key(callee)) ? "makes a temporary Scalar inside"
                        : ReturnType(callee) is { } r && moduleMakers.Contains(r) && !Accepted.Contains(r.FullName) ? $"builds a {r.Name}, whose forward makes a temporary Scalar"
                        : null;
                    if (why is not null && AcceptedCalls.Contains(($"{method.DeclaringType?.FullName}.{method.Name}", $"{callee.DeclaringType?.Name}.{callee.Name}"))) continue;
                    if (why is not null) found.Add($"{method.DeclaringType?.FullName}.{method.Name} calls {callee.DeclaringType?.Name}.{callee.Name}({string.Join(", ", callee.GetParameters().Select(p => p.ParameterType.Name))}): {why}");
                }
            }
        }
        var distinct = found.Distinct().ToList();
        foreach (var f in distinct) _out.WriteLine(f);
        Assert.True(distinct.Count == 0, $"{distinct.Count} call sites; use Vivify.Torch.Scalars.S(x) / One. First: {string.Join(" | ", distinct.Take(5))}");
    }

    /// <summary>The check sees what it must: the pattern of the reported crash is found in a method that has it.</summary>
    [Fact]
    public void TheCheckFindsTheCrashingPattern()
    {
        var makers = TemporaryScalarMakers(typeof(Scalar).Assembly);
        var divide = typeof(Tensor).GetMethod("op_Division", [typeof(Tensor), typeof(float)])!;
        var add = typeof(Tensor).GetMethod("op_Addition", [typeof(Tensor), typeof(Tensor)])!;
        var addWithAlpha = typeof(Tensor).GetMethod(nameof(Tensor.add), [typeof(Tensor), typeof(Scalar)])!;
        Assert.Contains(IlCalls.Key(divide), makers);
        Assert.Contains(IlCalls.Key(add), makers);
        Assert.DoesNotContain(IlCalls.Key(addWithAlpha), makers);
        var callees = IlCalls.Callees(typeof(ScalarLifetimeTests).GetMethod(nameof(Unsafe), BindingFlags.NonPublic | BindingFlags.Static)!).ToList();
        Assert.Contains(callees, c => c.Name == "op_Implicit" && c.DeclaringType == typeof(Scalar));
        Assert.Contains(callees, c => makers.Contains(IlCalls.Key(c)));
    }

    private static Tensor Unsafe(Tensor x) => x.div_(255f) + x;

    /// <summary>
    /// TorchSharp members that make a Scalar and drop it without disposing it (directly, or by calling such a
    /// member), so it lives only as long as the garbage collector allows. Members that return the Scalar are
    /// the conversions themselves: their callers are the makers.
    /// </summary>
    private static HashSet<(Module, int)> TemporaryScalarMakers(Assembly torchSharp)
    {
        var methods = IlCalls.Methods(torchSharp).ToList();
        var callees = methods.ToDictionary(IlCalls.Key, m => IlCalls.Callees(m).ToList());
        var dispose = IlCalls.Key(typeof(Scalar).GetMethod(nameof(Scalar.Dispose), Type.EmptyTypes)!);
        var makers = new HashSet<(Module, int)>();
        foreach (var m in methods)
        {
            var calls = callees[IlCalls.Key(m)];
            if (ReturnType(m) != typeof(Scalar) && calls.Any(c => ReturnType(c) == typeof(Scalar)) && !calls.Any(c => IlCalls.Key(c) == dispose))
                makers.Add(IlCalls.Key(m));
        }
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var m in methods)
                if (ReturnType(m) != typeof(Scalar) && !makers.Contains(IlCalls.Key(m)) && callees[IlCalls.Key(m)].Any(c => makers.Contains(IlCalls.Key(c))))
                    changed = makers.Add(IlCalls.Key(m));
        }
        return makers;
    }

    private static HashSet<Type> ModuleTypesWhoseForwardMakesOne(Assembly torchSharp, HashSet<(Module, int)> makers) =>
        SafeTypes(torchSharp)
            .Where(t => typeof(nn.Module).IsAssignableFrom(t) && !t.IsAbstract)
            .Where(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => m.Name == "forward" && makers.Contains(IlCalls.Key(m))))
            .ToHashSet();

    private static Type? ReturnType(MethodBase m) => m is MethodInfo mi ? mi.ReturnType : m is ConstructorInfo c ? c.DeclaringType : null;

    private static IEnumerable<Type> SafeTypes(Assembly a)
    {
        try { return a.GetTypes(); }
        catch (ReflectionTypeLoadException e) { return e.Types.Where(t => t is not null)!; }
    }
}
