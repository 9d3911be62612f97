using System.Globalization;
using Kron.Protocol;

namespace Kron.Cli.Output;

/// <summary>How runs look to people: one row per run in lists, one field per line (and the output tail) for one run.</summary>
internal static class RunTable
{
    private const int MaxOutcomeWidth = 60;

    public static void WriteList(TextWriter writer, IReadOnlyList<RunResponse> runs)
    {
        var table = new TextTable("ID", "JOB", "SCHEDULED FOR", "TRIGGER", "ATTEMPT", "STATE", "FINISHED", "OUTCOME");
        foreach (var run in runs)
        {
            table.AddRow(run.Id, run.JobId, JobTable.Instant(run.ScheduledFor), run.Trigger, Attempt(run), run.State, JobTable.Instant(run.FinishedAt), TextTable.Clean(Outcome(run), MaxOutcomeWidth));
        }

        table.Write(writer);
    }

    public static void WriteDetail(TextWriter writer, RunResponse run)
    {
        List<(string, string?)> fields =
        [
            ("id", run.Id),
            ("job", run.JobId),
            ("state", run.State),
            ("trigger", run.Trigger),
            ("attempt", Attempt(run)),
            ("scheduled for", JobTable.Instant(run.ScheduledFor)),
            ("ready at", JobTable.Instant(run.ReadyAt)),
            ("started", JobTable.Instant(run.StartedAt)),
            ("finished", JobTable.Instant(run.FinishedAt)),
            ("lease expires", JobTable.Instant(run.LeaseExpiresAt)),
            ("node", run.Node),
            ("outcome", Outcome(run)),
            ("skip reason", run.SkipReason),
        ];
        TextTable.WriteFields(writer, fields);
        if (!string.IsNullOrEmpty(run.Output))
        {
            // The output tail is the one multi-line value: print it as it is, after the fields.
            writer.WriteLine();
            writer.WriteLine("output:");
            writer.WriteLine(run.Output.TrimEnd('\n'));
        }
    }

    /// <summary><c>exit 0</c>, <c>http 503</c>, the error, or several of them joined by commas.</summary>
    public static string? Outcome(RunResponse run)
    {
        if (run.Outcome is not { } outcome)
        {
            return run.SkipReason is null ? null : "skipped: " + run.SkipReason;
        }

        var parts = new List<string>(3);
        if (outcome.ExitCode is { } exit)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"exit {exit}"));
        }

        if (outcome.HttpStatus is { } status)
        {
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"http {status}"));
        }

        if (!string.IsNullOrWhiteSpace(outcome.Error))
        {
            parts.Add(outcome.Error);
        }

        return parts.Count == 0 ? null : string.Join(", ", parts);
    }

    private static string Attempt(RunResponse run) =>
        run.MaxAttempts > 0 ? string.Create(CultureInfo.InvariantCulture, $"{run.Attempt}/{run.MaxAttempts}") : run.Attempt.ToString(CultureInfo.InvariantCulture);
}
