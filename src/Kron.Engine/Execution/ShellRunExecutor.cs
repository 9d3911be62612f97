using System.Diagnostics;
using System.Globalization;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Execution;

/// <summary>
/// Runs <c>/bin/sh -c command</c> in its own process group (through <c>setsid</c>), so that on timeout or cancellation
/// the whole group is killed and no child survives. Standard output and error are merged and the last 64 KiB kept;
/// exit code 0 is success.
/// </summary>
/// <remarks>
/// If the server itself dies (even by SIGKILL, when no code of ours runs), the job's processes die with it: a small
/// wrapper shell starts the command and a watcher that blocks reading the wrapper's standard input, a pipe whose other
/// end only the server holds. The kernel closes that pipe when the server dies; the watcher then reads end-of-file and
/// kills the whole process group. While the server lives, the pipe stays open and silent.
/// </remarks>
/// <remarks>
/// The working directory is the job's <c>working_directory</c>, or the node's data directory. The environment is the
/// server's, plus the job's <c>environment</c>, plus <c>KRON_RUN_ID</c>, <c>KRON_JOB_ID</c>,
/// <c>KRON_SCHEDULED_FOR</c> (RFC 3339), <c>KRON_ATTEMPT</c> and <c>KRON_PAYLOAD</c> (the payload's JSON). With
/// <c>user</c>, the command runs as that Unix user through <c>runuser</c>, which needs the server to run as root.
/// </remarks>
public sealed partial class ShellRunExecutor(IOptions<NodeOptions> node) : IRunExecutor
{
    private const string SetSid = "/usr/bin/setsid";
    private const string RunUser = "/usr/sbin/runuser";

    // $1 is the job's command. A background list's stdin is /dev/null in a non-interactive shell, so the pipe is kept
    // as fd 3 for the watcher, whose read returns only when the server's end closes.
    private const string Wrapper =
        "exec 3<&0; /bin/sh -c \"$1\" </dev/null 3<&- & child=$!; " +
        "( read -r _ <&3; kill -KILL 0 ) & watcher=$!; exec 3<&-; " +
        "wait $child; status=$?; kill $watcher 2>/dev/null; exit $status";

    public string TargetType => "shell";

    public async Task<ExecutionOutcome> ExecuteAsync(RunRecord run, TargetSpec target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(target);
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetFullPath(target.WorkingDirectory ?? node.Value.DataDirectory),
        };

        if (!Directory.Exists(start.WorkingDirectory))
        {
            return ExecutionOutcome.Failure($"working directory {start.WorkingDirectory} does not exist") with { Retryable = false };
        }

        var arguments = new List<string>();
        if (target.User is { } user && user != Environment.UserName)
        {
            if (Environment.UserName != "root")
            {
                return ExecutionOutcome.Failure($"cannot run as user {user}: the server runs as {Environment.UserName}, and running as another user needs root") with { Retryable = false };
            }

            arguments.AddRange([RunUser, "-u", user, "--"]);
        }

        arguments.AddRange(["/bin/sh", "-c", Wrapper, "kron-run", target.Command ?? string.Empty]);
        var ownGroup = File.Exists(SetSid);
        start.FileName = ownGroup ? SetSid : arguments[0];
        foreach (var argument in ownGroup ? arguments : arguments.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in target.Environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.Environment["KRON_RUN_ID"] = run.Id;
        start.Environment["KRON_JOB_ID"] = run.JobId;
        start.Environment["KRON_SCHEDULED_FOR"] = run.ScheduledFor.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);
        start.Environment["KRON_ATTEMPT"] = run.Attempt.ToString(CultureInfo.InvariantCulture);
        start.Environment["KRON_PAYLOAD"] = run.Payload ?? "null";

        var tail = new OutputTail();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(tail, e.Data);
        process.ErrorDataReceived += (_, e) => Append(tail, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return ExecutionOutcome.Failure($"could not start the command: {e.Message}");
        }

        // Standard input stays open and silent until the process ends: it is the watcher's lifeline (see remarks).
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillGroup(process, ownGroup);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            throw;
        }

        var output = tail.ToStringOrNull();
        return process.ExitCode == 0
            ? new ExecutionOutcome(true, ExitCode: 0, Output: output)
            : new ExecutionOutcome(false, ExitCode: process.ExitCode, Error: $"command exited with code {process.ExitCode}", Output: output);
    }

    private static void Append(OutputTail tail, string? line)
    {
        if (line is not null)
        {
            tail.Append(line + "\n");
        }
    }

    private static void KillGroup(Process process, bool ownGroup)
    {
        if (ownGroup)
        {
            // setsid made the shell a group leader: its pid is the group id, and -pid signals the whole group.
            _ = NativeMethods.Kill(-process.Id, NativeMethods.SigKill);
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    private static partial class NativeMethods
    {
        public const int SigKill = 9;

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static partial int Kill(int pid, int signal);
    }
}
