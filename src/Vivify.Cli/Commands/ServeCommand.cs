using System.CommandLine;
using Vivify.Server;

namespace Vivify.Cli.Commands;

/// <summary>
/// `vivify serve`: the web studio (Vivify.Server) on this machine's loopback by default, printing its address with the
/// token every request needs; Ctrl-C stops it gracefully.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to listen on; anything but loopback needs --token", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on", DefaultValueFactory = _ => 7860 };
        var token = new Option<string?>("--token") { Description = "The token every request needs (default: a random one, printed with the address)" };
        var models = new Option<string?>("--models") { Description = "Folder of models: NAME.pth.tar (or .pth, .safetensors) with NAME.yaml beside it (default: none; the Faces tab needs none)" };
        var data = new Option<string>("--data") { Description = "Folder for uploads and results (the server writes only under its jobs/, stylize/, faces/ and live/ subfolders)", DefaultValueFactory = _ => Path.Combine(Path.GetTempPath(), "vivify-serve") };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "Largest upload accepted, in MB (larger ones get 413)", DefaultValueFactory = _ => 1024 };
        var cmd = new Command("serve", "The web studio: animate pictures, stylize videos from painted keyframes, animate live from the camera and find faces in a browser, over a token-protected HTTP API")
        {
            host, port, token, models, data, maxUpload,
        };
        cmd.SetAction(async (parse, cancel) =>
        {
            Cli.ApplyGlobals(parse);
            var options = new ServerOptions
            {
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Token = parse.GetValue(token),
                ModelsDir = parse.GetValue(models),
                DataDir = parse.GetValue(data)!,
                MaxUploadBytes = Math.Max(0, parse.GetValue(maxUpload)) * 1024L * 1024,
            };
            await VivifyServer.RunAsync(options, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, cancel);
            return 0;
        });
        return cmd;
    }
}
