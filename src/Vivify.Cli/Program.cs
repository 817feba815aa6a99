using Vivify.Cli;

return Cli.Run(args);
