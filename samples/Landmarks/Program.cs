// Marks the 68 face landmarks of a portrait and writes them drawn over it, through the Vivify.Faces package.
//   dotnet run -- PORTRAIT OUTPUT.png [FACE_API_MODELS_DIR]
// The face-api networks come from the npm package @vladmandic/face-api (its model/ folder; `make setup` puts them in
// data/face-api/model); VIVIFY_FACE_MODELS may name the folder instead. ffmpeg reads and writes the pictures.
using Vivify;
using Vivify.Faces;
using Vivify.Media;

if (args.Length is < 2 or > 3)
{
    Console.Error.WriteLine("usage: Landmarks PORTRAIT OUTPUT.png [FACE_API_MODELS_DIR]");
    return 2;
}
try
{
    using var analyzer = new FaceAnalyzer(FaceModels.Require(args.Length > 2 ? args[2] : null));
    var annotator = new FaceAnnotator(analyzer, landmarks: true);
    var (faces, overlay) = annotator.Annotate(ImageIO.ReadFrame(args[0]));
    ImageIO.Write(args[1], overlay);
    foreach (var face in faces)
    {
        var d = face.Detection;
        Console.WriteLine($"face at ({d.X:F0}, {d.Y:F0}) {d.Width:F0}x{d.Height:F0}, score {d.Score:F2}: nose tip at ({face.Landmarks[30, 0]:F1}, {face.Landmarks[30, 1]:F1})");
    }
    Console.WriteLine($"wrote {args[1]}: {Counted.Of(faces.Count, "face")}");
    return faces.Count > 0 ? 0 : 1;
}
catch (VivifyException e)
{
    Console.Error.WriteLine($"Landmarks: {e.Message}");
    return 1;
}
