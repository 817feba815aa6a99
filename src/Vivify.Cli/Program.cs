using Vivify.Cli;

Vivify.TimingTrace.Mark("main");
int code;
using (var interrupt = new Interrupt()) code = Cli.Run(args, cancel: interrupt.Token);
Vivify.TimingTrace.Mark("exit");
QuickExit.Now(code);
return code;
