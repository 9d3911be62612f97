using System.Diagnostics;
using Kron.Testing;

namespace Kron.Cli.Tests;

/// <summary>Runs <c>kron</c> in process (fast, with a manual clock) or as a real child process (as a user would).</summary>
internal static class CliRunner
{
    public static readonly DateTimeOffset DefaultNow = new(2025, 1, 1, 0, 7, 30, TimeSpan.Zero);

    public static async Task<CliResult> RunInProcessAsync(DateTimeOffset? now, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var time = new ManualTimeProvider(now ?? DefaultNow);
        var exitCode = await KronCommand.RunAsync(args, new CliConsole(output, error), time, CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunInProcessAsync(params string[] args) => RunInProcessAsync(null, args);

    /// <summary>Runs in process with <paramref name="input"/> as standard input (for <c>--from-json -</c>).</summary>
    public static async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var reader = new StringReader(input);
        var console = new CliConsole(output, error) { In = reader };
        var exitCode = await KronCommand.RunAsync(args, console, new ManualTimeProvider(DefaultNow), CancellationToken.None);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public static Task<CliResult> RunProcessAsync(params string[] args) => RunProcessAsync(new Dictionary<string, string>(), args);

    public static async Task<CliResult> RunProcessAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var kron = Path.Combine(AppContext.BaseDirectory, "kron.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        start.ArgumentList.Add(kron);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start kron");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}

internal sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The single line on stderr, asserted to be one line that starts with <c>kron: </c>.</summary>
    public string ErrorLine
    {
        get
        {
            var line = Assert.Single(Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("kron: ", line, StringComparison.Ordinal);
            return line;
        }
    }
}
