using System.CommandLine;
using Kron.Cli.Bench;
using Kron.Cli.Commands;

namespace Kron.Cli;

/// <summary>The root <c>kron</c> command: builds the command tree and runs it with one-line errors and exit code 2
/// for invalid input.</summary>
internal static class KronCommand
{
    public static RootCommand Build(CliConsole console, TimeProvider time)
    {
        var root = new RootCommand(
            "Kron: a distributed cron and task scheduler.\n" +
            "Schedules use five-field cron expressions with cronie semantics in any IANA time zone.\n" +
            "Exit codes: 0 success, 1 failure, 2 invalid input.");
        root.Add(CronCommand.Build(console, time));
        root.Add(ServeCommand.Build(console));
        root.Add(JobCommands.Build(console));
        root.Add(RunCommands.Build(console));
        root.Add(ClusterCommands.Build(console));
        root.Add(BenchCommand.Build(console));
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, TimeProvider time, CancellationToken cancellationToken)
    {
        var root = Build(console, time);
        // No response files: "@daily" is a cron macro, not a file of arguments.
        var parseResult = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parseResult.Errors.Count > 0)
        {
            console.Error.WriteLine($"kron: {parseResult.Errors[0].Message} (see 'kron --help')");
            return ExitCodes.InvalidInput;
        }

        var configuration = new InvocationConfiguration { Output = console.Out, Error = console.Error };
        return await parseResult.InvokeAsync(configuration, cancellationToken).ConfigureAwait(false);
    }
}
