using Vivify.Cli;

Vivify.TimingTrace.Mark("main");
using var interrupt = new Interrupt();
return Cli.Run(args, cancel: interrupt.Token);
