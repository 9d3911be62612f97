using System.Globalization;
using Kron.Core.Time;
using Kron.Protocol;

namespace Kron.Cli.Output;

/// <summary>How jobs look to people: one row per job in lists, one field per line for a single job.</summary>
internal static class JobTable
{
    private const int MaxTargetWidth = 48;

    public static void WriteList(TextWriter writer, IReadOnlyList<JobResponse> jobs)
    {
        var table = new TextTable("ID", "NAME", "SCHEDULE", "TARGET", "NEXT FIRE", "PAUSED", "LAST RUN");
        foreach (var job in jobs)
        {
            table.AddRow(job.Id, job.Name, Schedule(job), TextTable.Clean(Target(job.Target), MaxTargetWidth), Instant(job.NextFireAt), YesNo(job.Paused), job.LastRun?.State);
        }

        table.Write(writer);
    }

    public static void WriteDetail(TextWriter writer, JobResponse job)
    {
        List<(string, string?)> fields =
        [
            ("id", job.Id),
            ("key", job.Key),
            ("name", job.Name),
            ("schedule", Schedule(job)),
            ("target", Target(job.Target)),
            ("next fire", Instant(job.NextFireAt)),
            ("paused", YesNo(job.Paused)),
            ("last run", LastRun(job.LastRun)),
            ("retries", job.Retries.ToString(CultureInfo.InvariantCulture)),
            ("timeout", Duration(job.Timeout)),
            ("backoff", Backoff(job.Retry)),
            ("concurrency", job.Concurrency),
            ("max concurrent", job.MaxConcurrent?.ToString(CultureInfo.InvariantCulture)),
            ("misfire", job.Misfire),
            ("starting deadline", job.StartingDeadline is { } deadline ? Duration(deadline) : null),
            ("delivery", job.Delivery),
            ("priority", job.Priority.ToString(CultureInfo.InvariantCulture)),
            ("tags", job.Tags.Count == 0 ? null : string.Join(", ", job.Tags)),
            ("payload", job.Payload?.GetRawText()),
            ("created", Instant(job.CreatedAt)),
            ("updated", Instant(job.UpdatedAt)),
            ("version", job.Version.ToString(CultureInfo.InvariantCulture)),
        ];
        TextTable.WriteFields(writer, fields);
    }

    /// <summary><c>0 3 * * * Europe/Berlin</c>, <c>every PT30S</c> or <c>at 2026-12-31T23:59:59+00:00</c>.</summary>
    public static string? Backoff(RetrySpec? retry) =>
        retry is null || (retry.InitialInterval is null && retry.MaxInterval is null && retry.Multiplier is null && retry.Jitter is null)
            ? null
            : string.Join(
                ", ",
                new[]
                {
                    retry.InitialInterval is { } initial ? "initial " + Duration(initial) : null,
                    retry.Multiplier is { } multiplier ? "x" + multiplier.ToString(CultureInfo.InvariantCulture) : null,
                    retry.MaxInterval is { } max ? "max " + Duration(max) : null,
                    retry.Jitter is { } jitter ? jitter + " jitter" : null,
                }.OfType<string>());

    public static string Schedule(JobResponse job) => job switch
    {
        { Cron: { } cron } => $"{cron} {job.TimeZone ?? "UTC"}",
        { Every: { } every } => "every " + Duration(every),
        { ScheduleTime: { } at } => "at " + Rfc3339.Format(at),
        _ => TextTable.Missing,
    };

    /// <summary><c>POST https://example.test/hook</c>, <c>shell: backup.sh</c>, <c>queue default/email_send</c> or <c>noop</c>.</summary>
    public static string Target(TargetSpec target) => target.Type switch
    {
        "http" => $"{target.Method ?? "POST"} {target.Url}",
        "shell" => $"shell: {target.Command}" + (target.User is null ? string.Empty : $" (as {target.User})"),
        "queue" => $"queue {target.Queue}/{target.JobType}",
        "noop" => "noop" + (target.Duration is { } d ? " " + Duration(d) : string.Empty),
        var other => other ?? TextTable.Missing,
    };

    public static string? Instant(DateTimeOffset? instant) => instant is { } value ? Rfc3339.Format(value) : null;

    public static string Duration(TimeSpan duration) => ProtocolJson.FormatDuration(duration);

    private static string YesNo(bool value) => value ? "yes" : "no";

    private static string? LastRun(RunSummaryResponse? run) => run is null
        ? null
        : $"{run.State} (run {run.Id}, scheduled for {Rfc3339.Format(run.ScheduledFor)}{(run.FinishedAt is { } f ? ", finished " + Rfc3339.Format(f) : string.Empty)})";
}
