using Vivify.Cli;

using var interrupt = new Interrupt();
return Cli.Run(args, cancel: interrupt.Token);
