namespace Vivify.Heads.Data;

/// <summary>Seeds derived from a run's seed and counters (SplitMix64), so that each draw depends on its indices alone.</summary>
public static class Seeds
{
    public static int Mix(long seed, params long[] parts)
    {
        ulong h = (ulong)seed ^ 0x9E3779B97F4A7C15UL;
        foreach (var p in parts)
        {
            h += 0x9E3779B97F4A7C15UL + (ulong)p;
            h = (h ^ (h >> 30)) * 0xBF58476D1CE4E5B9UL;
            h = (h ^ (h >> 27)) * 0x94D049BB133111EBUL;
            h ^= h >> 31;
        }
        return (int)(h & 0x7FFFFFFF);
    }
}
