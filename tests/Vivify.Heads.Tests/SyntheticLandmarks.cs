namespace Vivify.Heads.Tests;

/// <summary>A simple 68-point face (iBUG layout) built from ellipses and lines, for tests.</summary>
internal static class SyntheticLandmarks
{
    /// <param name="cx">Face centre x.</param>
    /// <param name="cy">Face centre y.</param>
    /// <param name="w">Face half-width.</param>
    /// <param name="h">Face half-height.</param>
    /// <param name="mouthOpen">Opening of the lips, in units of <paramref name="h"/>.</param>
    public static float[,] Face(double cx, double cy, double w, double h, double mouthOpen = 0)
    {
        var p = new float[68, 2];
        void Set(int i, double x, double y) { p[i, 0] = (float)(cx + x * w); p[i, 1] = (float)(cy + y * h); }
        for (int i = 0; i <= 16; i++)   // jaw: lower half-ellipse from the left ear to the right
        {
            var a = Math.PI * i / 16;
            Set(i, -Math.Cos(a), 0.1 + 0.9 * Math.Sin(a));
        }
        for (int i = 0; i < 5; i++)
        {
            Set(17 + i, -0.75 + 0.13 * i, -0.45 - 0.05 * Math.Sin(Math.PI * i / 4));   // right brow
            Set(22 + i, 0.23 + 0.13 * i, -0.45 - 0.05 * Math.Sin(Math.PI * i / 4));    // left brow
        }
        for (int i = 0; i < 4; i++) Set(27 + i, 0, -0.3 + 0.12 * i);                   // nose bridge
        for (int i = 0; i < 5; i++) Set(31 + i, -0.16 + 0.08 * i, 0.12 + 0.03 * Math.Sin(Math.PI * i / 4)); // nostrils
        void Eye(int first, double ex)
        {
            for (int i = 0; i < 6; i++)
            {
                var a = Math.PI * 2 * i / 6;
                Set(first + i, ex - 0.15 * Math.Cos(a), -0.25 - 0.06 * Math.Sin(a));
            }
        }
        Eye(36, -0.38);
        Eye(42, 0.38);
        for (int i = 0; i < 12; i++)   // outer lips
        {
            var a = Math.PI * 2 * i / 12;
            Set(48 + i, -0.35 * Math.Cos(a), 0.45 - (0.1 + mouthOpen / 2) * Math.Sin(a));
        }
        for (int i = 0; i < 8; i++)    // inner lips
        {
            var a = Math.PI * 2 * i / 8;
            Set(60 + i, -0.25 * Math.Cos(a), 0.45 - (0.02 + mouthOpen / 2) * Math.Sin(a));
        }
        return p;
    }
}
