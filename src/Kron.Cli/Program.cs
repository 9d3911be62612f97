using Kron.Cli;

return await KronCommand.RunAsync(args, new CliConsole(Console.Out, Console.Error), TimeProvider.System, CancellationToken.None);
