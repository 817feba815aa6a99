using OpenCvSharp;

namespace Vivify.Heads.Data;

/// <summary>
/// A synthetic talking-face video: one <see cref="SyntheticFaceShape"/> (the person) with this video's background,
/// head motion (yaw, pitch, roll, translation, scale as slow sinusoids), blinking and mouth motion, all drawn from a
/// generator seeded by (seed, person, video). <see cref="Render"/> draws frame t as filled polygons and ellipses
/// (OpenCV, anti-aliased) and returns its 68 landmarks in pixels.
/// </summary>
public sealed class SyntheticFaces
{
    private readonly SyntheticFaceShape _face;
    private readonly int _size;
    private readonly double _yaw, _yawPeriod, _yawPhase, _pitch, _pitchPeriod, _pitchPhase, _roll, _rollPeriod, _rollPhase;
    private readonly double _tx, _ty, _moveX, _moveY, _movePeriod, _scale, _zoom;
    private readonly double _talkPeriod, _talkPhase, _talkEnvelope, _blinkPeriod, _blinkPhase;
    private readonly (byte R, byte G, byte B) _background, _pattern;
    private readonly int _stripes;
    private readonly double _stripeAngle;

    public SyntheticFaces(SyntheticFaceShape face, int size, Random r)
    {
        _face = face;
        _size = size;
        double U(double lo, double hi) => lo + (hi - lo) * r.NextDouble();
        (_yaw, _yawPeriod, _yawPhase) = (U(0.15, 0.45), U(30, 70), U(0, 2 * Math.PI));
        (_pitch, _pitchPeriod, _pitchPhase) = (U(0.04, 0.15), U(25, 60), U(0, 2 * Math.PI));
        (_roll, _rollPeriod, _rollPhase) = (U(0.04, 0.18), U(35, 80), U(0, 2 * Math.PI));
        (_tx, _ty, _moveX, _moveY, _movePeriod) = (U(-0.04, 0.04), U(-0.02, 0.04), U(0.01, 0.04), U(0.005, 0.025), U(40, 90));
        (_scale, _zoom) = (U(0.22, 0.26), U(0.02, 0.06));
        (_talkPeriod, _talkPhase, _talkEnvelope) = (U(5, 10), U(0, 2 * Math.PI), U(20, 40));
        (_blinkPeriod, _blinkPhase) = (U(18, 36), U(0, 36));
        _background = ((byte)r.Next(40, 230), (byte)r.Next(40, 230), (byte)r.Next(40, 230));
        _pattern = SyntheticFaceShape.Mix(_background, r.Next(2) == 0 ? ((byte)0, (byte)0, (byte)0) : ((byte)255, (byte)255, (byte)255), U(0.15, 0.3));
        _stripes = r.Next(3, 9);
        _stripeAngle = U(0, Math.PI);
    }

    /// <summary>Eye openness in [0, 1] at frame <paramref name="t"/>: a blink of about three frames every period.</summary>
    public double EyeOpen(int t)
    {
        var d = ((t + _blinkPhase) % _blinkPeriod) - _blinkPeriod / 2;
        return 1 - 0.95 * Math.Exp(-d * d / 1.5);
    }

    /// <summary>Mouth opening in [0, 1] at frame <paramref name="t"/>: syllables under a slower envelope with pauses.</summary>
    public double MouthOpen(int t)
    {
        var syllable = Math.Abs(Math.Sin(2 * Math.PI * t / _talkPeriod + _talkPhase));
        var envelope = Math.Clamp(0.3 + Math.Sin(2 * Math.PI * t / _talkEnvelope + _talkPhase), 0, 1);
        return syllable * envelope;
    }

    /// <summary>Face units (x, y, z) to pixels at frame <paramref name="t"/>: yaw and pitch about the face centre, then roll, scale and translation.</summary>
    private Func<(double X, double Y, double Z), Point2d> Pose(int t)
    {
        var yaw = _yaw * Math.Sin(2 * Math.PI * t / _yawPeriod + _yawPhase);
        var pitch = _pitch * Math.Sin(2 * Math.PI * t / _pitchPeriod + _pitchPhase);
        var roll = _roll * Math.Sin(2 * Math.PI * t / _rollPeriod + _rollPhase);
        var scale = _size * _scale * (1 + _zoom * Math.Sin(2 * Math.PI * t / _movePeriod));
        var cx = _size * (0.5 + _tx + _moveX * Math.Sin(2 * Math.PI * t / _movePeriod + 1));
        var cy = _size * (0.47 + _ty + _moveY * Math.Cos(2 * Math.PI * t / _movePeriod));
        var (cyaw, syaw, cp, sp, cr, sr) = (Math.Cos(yaw), Math.Sin(yaw), Math.Cos(pitch), Math.Sin(pitch), Math.Cos(roll), Math.Sin(roll));
        return p =>
        {
            var x = p.X * cyaw + p.Z * syaw;
            var z = -p.X * syaw + p.Z * cyaw;
            var y = p.Y * cp - z * sp;
            return new Point2d(cx + scale * (x * cr - y * sr), cy + scale * (x * sr + y * cr));
        };
    }

    /// <summary>Frame <paramref name="t"/> as an 8-bit BGR picture and its landmarks [68,2] (x, y in pixels).</summary>
    public (Mat Image, float[,] Landmarks) Render(int t)
    {
        var f = _face;
        var pose = Pose(t);
        var lm = f.Landmarks(EyeOpen(t), MouthOpen(t));
        var px = lm.Select(pose).ToArray();
        var img = new Mat(_size, _size, MatType.CV_8UC3, Bgr(_background));
        DrawBackground(img);
        var scale = _size * _scale;
        var lw = Math.Max(1, (int)Math.Round(scale * 0.04));

        // Shoulders and neck, then hair behind the head, then ears.
        var chin = px[8];
        Fill(img, [new(chin.X - scale * 1.8, _size + 5), new(chin.X - scale * 1.5, chin.Y + scale * 0.7), new(chin.X + scale * 1.5, chin.Y + scale * 0.7), new(chin.X + scale * 1.8, _size + 5)], f.Shirt);
        Fill(img, [pose((-0.45, 0.6, 0)), pose((0.45, 0.6, 0)), new(chin.X + scale * 0.45, chin.Y + scale * 0.8), new(chin.X - scale * 0.45, chin.Y + scale * 0.8)], Shade(f.Skin, 0.8));
        var back = f.ForeheadArc(21, 1.2).Select(pose).ToList();
        var hairBottom = f.LongHair ? f.Chin + 0.2 : f.JawTop + 0.25;
        back.Insert(0, pose((f.FaceWidth * 1.2, hairBottom, 0)));
        back.Add(pose((-f.FaceWidth * 1.2, hairBottom, 0)));
        Fill(img, back, f.Hair);
        foreach (var side in new[] { -1.0, 1.0 })
        {
            var ear = pose((side * f.FaceWidth * 1.02, f.JawTop + 0.1, 0.2));
            Cv2.Ellipse(img, new RotatedRect(new Point2f((float)ear.X, (float)ear.Y), new Size2f((float)(scale * 0.25), (float)(scale * 0.45)), 0), Bgr(Shade(f.Skin, 0.9)), -1, LineTypes.AntiAlias);
        }

        // The face: jaw and forehead as one polygon, texture, fringe.
        var outline = px[..17].Concat(f.ForeheadArc().Select(pose)).ToList();
        Fill(img, outline, f.Skin);
        foreach (var (x, y, r) in f.Spots)
        {
            var c = pose((x, y, 0.65));
            var color = f.Texture switch
            {
                SyntheticFaceShape.SkinTexture.Freckles => Shade(f.Skin, 0.78),
                SyntheticFaceShape.SkinTexture.Blush => SyntheticFaceShape.Mix(f.Skin, (230, 90, 100), 0.25),
                _ => SyntheticFaceShape.Mix(f.Skin, f.Hair, 0.45),
            };
            var radius = f.Texture == SyntheticFaceShape.SkinTexture.Blush ? r * 3 : r;
            if (f.Texture == SyntheticFaceShape.SkinTexture.Stubble && y < f.MouthY - 0.1 && Math.Abs(x) < f.MouthHalfWidth * 1.6) continue;
            if (y > f.JawTop && Math.Pow(x / f.FaceWidth, 2) + Math.Pow((y - f.JawTop) / (f.Chin - f.JawTop), 2) > 0.8) continue; // outside the jaw
            Cv2.Circle(img, new Point(c.X * 16, c.Y * 16), Math.Max(1, (int)(radius * scale * 16)), Bgr(color), -1, LineTypes.AntiAlias, 4);
        }
        var fringe = f.ForeheadArc(13, 1.06).Skip(1).SkipLast(1).Select(pose).ToList();
        for (int k = 0; k <= 8; k++)
        {
            var x = f.FaceWidth * (-0.95 + 1.9 * k / 8);
            fringe.Add(pose((x, f.Forehead + f.FringeDepth + 0.07 * Math.Sin(k * 1.7), 0.6)));
        }
        Fill(img, fringe, f.Hair);

        // Eyes: white, iris clipped to the lids, lid line; brows; nose; mouth.
        for (int e = 36; e <= 42; e += 6)
        {
            var eye = px[e..(e + 6)];
            Fill(img, eye, (245, 245, 240));
            var open = Math.Abs(eye[1].Y + eye[2].Y - eye[4].Y - eye[5].Y) / 2;
            if (open > 1.0)
            {
                using var mask = new Mat(_size, _size, MatType.CV_8UC1, Scalar.All(0));
                Cv2.FillPoly(mask, [eye.Select(ToPoint).ToArray()], Scalar.All(255), LineTypes.Link8, 4);
                using var iris = img.Clone();
                var c = new Point2d((eye[0].X + eye[3].X) / 2, (eye[0].Y + eye[3].Y) / 2);
                var radius = Math.Abs(eye[3].X - eye[0].X) * 0.28;
                Cv2.Circle(iris, new Point(c.X * 16, c.Y * 16), (int)(radius * 16), Bgr(f.Iris), -1, LineTypes.AntiAlias, 4);
                Cv2.Circle(iris, new Point(c.X * 16, c.Y * 16), (int)(radius * 0.45 * 16), Scalar.All(15), -1, LineTypes.AntiAlias, 4);
                iris.CopyTo(img, mask);
            }
            Line(img, eye, true, Shade(f.Skin, 0.45), lw);
        }
        Line(img, px[17..22], false, Shade(f.Hair, 0.8), lw * 2);
        Line(img, px[22..27], false, Shade(f.Hair, 0.8), lw * 2);
        Line(img, px[27..31], false, Shade(f.Skin, 0.7), lw);
        Line(img, px[31..36], false, Shade(f.Skin, 0.55), lw);
        Fill(img, px[48..60], f.Lips);
        Fill(img, px[60..68], (70, 20, 30));
        Line(img, px[60..68], true, Shade(f.Lips, 0.7), 1);

        var points = new float[68, 2];
        for (int i = 0; i < 68; i++) (points[i, 0], points[i, 1]) = ((float)px[i].X, (float)px[i].Y);
        return (img, points);
    }

    private void DrawBackground(Mat img)
    {
        var (dx, dy) = (Math.Cos(_stripeAngle), Math.Sin(_stripeAngle));
        var period = (double)_size / _stripes;
        for (int k = -2 * _stripes; k <= 2 * _stripes; k++)
        {
            if (k % 2 != 0) continue;
            var (ox, oy) = (_size / 2.0 + dy * k * period, _size / 2.0 - dx * k * period);
            var w = period / 2;
            Fill(img, [new(ox - dx * 2 * _size, oy - dy * 2 * _size), new(ox + dx * 2 * _size, oy + dy * 2 * _size),
                new(ox + dx * 2 * _size + dy * w, oy + dy * 2 * _size - dx * w), new(ox - dx * 2 * _size + dy * w, oy - dy * 2 * _size - dx * w)], _pattern);
        }
    }

    private static Point ToPoint(Point2d p) => new((int)Math.Round(Math.Clamp(p.X, -1e5, 1e5) * 16), (int)Math.Round(Math.Clamp(p.Y, -1e5, 1e5) * 16));

    private static void Fill(Mat img, IEnumerable<Point2d> polygon, (byte R, byte G, byte B) color) =>
        Cv2.FillPoly(img, [polygon.Select(ToPoint).ToArray()], Bgr(color), LineTypes.AntiAlias, 4);

    private static void Line(Mat img, IEnumerable<Point2d> points, bool closed, (byte R, byte G, byte B) color, int thickness) =>
        Cv2.Polylines(img, [points.Select(ToPoint).ToArray()], closed, Bgr(color), thickness, LineTypes.AntiAlias, 4);

    private static Scalar Bgr((byte R, byte G, byte B) c) => new(c.B, c.G, c.R);

    private static (byte R, byte G, byte B) Shade((byte R, byte G, byte B) c, double f) => ((byte)(c.R * f), (byte)(c.G * f), (byte)(c.B * f));
}
