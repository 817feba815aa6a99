namespace Vivify.Heads.Data;

/// <summary>
/// One synthetic person's face: proportions, colours and texture, drawn from a seeded generator. Geometry is in
/// face units (the face's half-width is about 1, y points down, origin between the eyes) with a pseudo depth z per
/// point so that yaw and pitch turn the face; <see cref="Landmarks"/> gives the 68 points in the iBUG order
/// (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67).
/// </summary>
public sealed class SyntheticFaceShape
{
    private static readonly (byte R, byte G, byte B)[] Skins =
        [(255, 224, 196), (241, 194, 160), (224, 172, 128), (198, 134, 90), (141, 85, 54), (92, 58, 38), (255, 205, 178), (232, 190, 150)];
    private static readonly (byte R, byte G, byte B)[] Hairs =
        [(30, 20, 15), (80, 50, 25), (140, 90, 45), (220, 190, 120), (160, 60, 30), (120, 120, 120), (20, 20, 40), (200, 200, 205)];

    public SyntheticFaceShape(Random r)
    {
        FaceWidth = Uniform(r, 0.85, 1.05);
        JawTop = Uniform(r, -0.05, 0.12);
        Chin = Uniform(r, 1.05, 1.3);
        Forehead = -Uniform(r, 1.15, 1.4);
        ChinPower = Uniform(r, 0.65, 1.4);
        EyeY = Uniform(r, -0.22, -0.08);
        EyeX = Uniform(r, 0.32, 0.45);
        EyeHalfWidth = Uniform(r, 0.14, 0.2);
        EyeHalfHeight = Uniform(r, 0.06, 0.1);
        BrowRaise = Uniform(r, 0.18, 0.3);
        BrowArch = Uniform(r, 0.0, 0.08);
        NoseLength = Uniform(r, 0.35, 0.5);
        NoseWidth = Uniform(r, 0.11, 0.19);
        MouthDrop = Uniform(r, 0.25, 0.36);
        MouthHalfWidth = Uniform(r, 0.24, 0.36);
        LipThickness = Uniform(r, 0.045, 0.085);
        Smile = Uniform(r, -0.03, 0.05);
        MaxMouthOpen = Uniform(r, 0.16, 0.28);
        Skin = Jitter(r, Skins[r.Next(Skins.Length)], 12);
        Hair = Jitter(r, Hairs[r.Next(Hairs.Length)], 15);
        Lips = Mix(Skin, (170, 40, 60), Uniform(r, 0.35, 0.6));
        Iris = Jitter(r, r.Next(3) switch { 0 => ((byte)60, (byte)40, (byte)20), 1 => ((byte)40, (byte)90, (byte)150), _ => ((byte)60, (byte)110, (byte)60) }, 15);
        Shirt = ((byte)r.Next(30, 230), (byte)r.Next(30, 230), (byte)r.Next(30, 230));
        LongHair = r.NextDouble() < 0.5;
        FringeDepth = Uniform(r, 0.2, 0.55);
        Texture = (SkinTexture)r.Next(3);
        Spots = Enumerable.Range(0, Texture == SkinTexture.Stubble ? 90 : 25)
            .Select(_ => Texture == SkinTexture.Stubble
                ? (Uniform(r, -0.8, 0.8), Uniform(r, 0.25, 1.1), Uniform(r, 0.01, 0.02))
                : (Uniform(r, -0.7, 0.7), Uniform(r, -0.05, 0.45), Uniform(r, 0.012, 0.03)))
            .ToArray();
    }

    public enum SkinTexture { Freckles, Blush, Stubble }

    public double FaceWidth { get; }
    public double JawTop { get; }
    public double Chin { get; }
    public double Forehead { get; }
    public double ChinPower { get; }
    public double EyeY { get; }
    public double EyeX { get; }
    public double EyeHalfWidth { get; }
    public double EyeHalfHeight { get; }
    public double BrowRaise { get; }
    public double BrowArch { get; }
    public double NoseLength { get; }
    public double NoseWidth { get; }
    public double MouthDrop { get; }
    public double MouthHalfWidth { get; }
    public double LipThickness { get; }
    public double Smile { get; }
    public double MaxMouthOpen { get; }
    public (byte R, byte G, byte B) Skin { get; }
    public (byte R, byte G, byte B) Hair { get; }
    public (byte R, byte G, byte B) Lips { get; }
    public (byte R, byte G, byte B) Iris { get; }
    public (byte R, byte G, byte B) Shirt { get; }
    public bool LongHair { get; }
    public double FringeDepth { get; }
    public SkinTexture Texture { get; }

    /// <summary>Texture marks in face units: (x, y, radius).</summary>
    public (double X, double Y, double R)[] Spots { get; }

    public double NoseTip => EyeY + NoseLength;
    public double MouthY => NoseTip + MouthDrop;

    /// <summary>The 68 landmarks (x, y, z) for eye openness <paramref name="eyeOpen"/> and mouth opening <paramref name="mouthOpen"/>, both in [0, 1].</summary>
    public (double X, double Y, double Z)[] Landmarks(double eyeOpen, double mouthOpen)
    {
        var p = new (double X, double Y, double Z)[68];
        for (int j = 0; j <= 16; j++)
        {
            var t = Math.PI * j / 16;
            p[j] = (-Math.Cos(t) * FaceWidth, JawTop + (Chin - JawTop) * Math.Pow(Math.Sin(t), ChinPower), 0.2 + 0.5 * Math.Sin(t));
        }
        for (int side = 0; side < 2; side++)
        {
            var cx = side == 0 ? -EyeX : EyeX;
            var bw = EyeHalfWidth * 1.35;
            for (int k = 0; k < 5; k++)
                p[17 + 5 * side + k] = (cx - bw + 2 * bw * k / 4, EyeY - BrowRaise - BrowArch * Math.Sin(Math.PI * k / 4) + 0.03 * (side == 0 ? 4 - k : k) / 4, 0.75);
            var h = EyeHalfHeight * Math.Clamp(eyeOpen, 0, 1);
            var w = EyeHalfWidth;
            var e = 36 + 6 * side;
            p[e] = (cx - w, EyeY, 0.6);
            p[e + 1] = (cx - w / 3, EyeY - h, 0.62);
            p[e + 2] = (cx + w / 3, EyeY - h, 0.62);
            p[e + 3] = (cx + w, EyeY, 0.6);
            p[e + 4] = (cx + w / 3, EyeY + 0.8 * h, 0.62);
            p[e + 5] = (cx - w / 3, EyeY + 0.8 * h, 0.62);
        }
        for (int k = 0; k < 4; k++) p[27 + k] = (0, EyeY + (NoseLength - 0.05) * k / 3, 0.8 + 0.12 * k);
        for (int k = 0; k < 5; k++)
            p[31 + k] = (-NoseWidth + 2 * NoseWidth * k / 4, NoseTip + 0.02 + 0.05 * (1 - Math.Abs(k - 2) / 2.0), 0.8 + 0.05 * (2 - Math.Abs(k - 2)));
        var o = MaxMouthOpen * Math.Clamp(mouthOpen, 0, 1);
        var mw = MouthHalfWidth;
        double Corner(double x) => Smile * (x / mw) * (x / mw);
        double Z(double x) => 0.8 - 0.15 * Math.Abs(x / mw);
        for (int k = 0; k <= 6; k++) // 48 … 54: left corner, upper outer lip, right corner
        {
            var x = -mw + 2 * mw * k / 6;
            var bow = k is 2 or 4 ? 1.1 : k == 3 ? 0.8 : 1;
            p[48 + k] = (x, MouthY - Corner(x) - (LipThickness * bow + o / 2) * Math.Pow(Math.Sin(Math.PI * k / 6), 0.6), Z(x));
        }
        for (int k = 5; k >= 1; k--) // 55 … 59: lower outer lip, right to left
        {
            var x = -mw + 2 * mw * k / 6;
            p[55 + (5 - k)] = (x, MouthY - Corner(x) + (1.3 * LipThickness + o / 2) * Math.Pow(Math.Sin(Math.PI * k / 6), 0.6), Z(x));
        }
        var iw = 0.8 * mw;
        p[60] = (-iw, MouthY - Corner(-iw), Z(iw));
        for (int k = 1; k <= 3; k++) { var x = -iw + iw * k / 2; p[60 + k] = (x, MouthY - Corner(x) - o / 2 * Math.Sin(Math.PI * k / 4), Z(x)); }
        p[64] = (iw, MouthY - Corner(iw), Z(iw));
        for (int k = 1; k <= 3; k++) { var x = iw - iw * k / 2; p[64 + k] = (x, MouthY - Corner(x) + o / 2 * Math.Sin(Math.PI * k / 4), Z(x)); }
        return p;
    }

    /// <summary>The top of the head, from the right end of the jaw over the forehead to its left end (not landmarks).</summary>
    public (double X, double Y, double Z)[] ForeheadArc(int points = 15, double grow = 1)
    {
        var arc = new (double, double, double)[points];
        for (int k = 0; k < points; k++)
        {
            var u = Math.PI * k / (points - 1);
            arc[k] = (Math.Cos(u) * FaceWidth * grow, JawTop - (JawTop - Forehead * grow) * Math.Sin(u), 0.2 + 0.4 * Math.Sin(u));
        }
        return arc;
    }

    private static double Uniform(Random r, double lo, double hi) => lo + (hi - lo) * r.NextDouble();

    private static (byte, byte, byte) Jitter(Random r, (byte R, byte G, byte B) c, int by) =>
        (Clamp(c.R + r.Next(-by, by + 1)), Clamp(c.G + r.Next(-by, by + 1)), Clamp(c.B + r.Next(-by, by + 1)));

    internal static (byte R, byte G, byte B) Mix((byte R, byte G, byte B) a, (byte R, byte G, byte B) b, double t) =>
        (Clamp(a.R + (b.R - a.R) * t), Clamp(a.G + (b.G - a.G) * t), Clamp(a.B + (b.B - a.B) * t));

    private static byte Clamp(double v) => (byte)Math.Clamp(Math.Round(v), 0, 255);
}
