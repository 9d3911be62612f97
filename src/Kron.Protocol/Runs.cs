namespace Kron.Protocol;

/// <summary>A run as the API returns it.</summary>
public sealed record RunResponse
{
    /// <summary>Run id; also the idempotency key targets receive.</summary>
    public required string Id { get; init; }

    /// <summary>The job.</summary>
    public required string JobId { get; init; }

    /// <summary>The slot.</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public required string Trigger { get; init; }

    /// <summary>The current attempt, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>Attempts allowed in all.</summary>
    public int MaxAttempts { get; init; }

    /// <summary><c>queued</c>, <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>dead</c>, <c>skipped</c>, <c>lost</c> or <c>cancelled</c>.</summary>
    public required string State { get; init; }

    /// <summary>When the run may start (later than the slot for a retry).</summary>
    public DateTimeOffset ReadyAt { get; init; }

    /// <summary>When the current attempt started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the run finished.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Until when the executing node holds the run.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>The node that ran the latest attempt, or <c>worker:</c> and the worker's name for a queue run.</summary>
    public string? Node { get; init; }

    /// <summary>The queue of a queue target's run (workers lease it from there); null for runs a node executes.</summary>
    public string? Queue { get; init; }

    /// <summary>Exit code, HTTP status or error of the latest attempt.</summary>
    public RunOutcome? Outcome { get; init; }

    /// <summary>The tail of the output (at most 64 KiB).</summary>
    public string? Output { get; init; }

    /// <summary>Why the slot was skipped.</summary>
    public string? SkipReason { get; init; }

    /// <summary>Cancellation was asked for while it runs; it stops shortly.</summary>
    public bool CancelRequested { get; init; }
}

/// <summary>
/// <c>POST /v1/runs/retry</c>: redrive finished runs in bulk. At least one of <see cref="JobId"/>, <see cref="Tag"/>,
/// <see cref="From"/> or <see cref="To"/> is required.
/// </summary>
public sealed record RedriveRequest
{
    /// <summary>Runs of this job.</summary>
    public string? JobId { get; init; }

    /// <summary>Runs of jobs with this tag.</summary>
    public string? Tag { get; init; }

    /// <summary>Slots at or after this instant.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Slots before this instant.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>Which states to redrive: <c>dead</c> (default), <c>failed</c>, <c>lost</c>, <c>cancelled</c>.</summary>
    public IReadOnlyList<string>? States { get; init; }

    /// <summary>At most this many (default and maximum 10,000).</summary>
    public int? Limit { get; init; }
}

/// <summary>The runs put back in the queue.</summary>
public sealed record RedriveResponse(int Redriven, IReadOnlyList<string> RunIds);

/// <summary>What an attempt ended with.</summary>
public sealed record RunOutcome(int? ExitCode, int? HttpStatus, string? Error);

/// <summary><c>GET /v1/cron/next</c>: the next occurrences of an expression.</summary>
public sealed record CronNextResponse(string Expression, string TimeZone, IReadOnlyList<DateTimeOffset> Occurrences);

/// <summary><c>/healthz</c> and <c>/readyz</c>.</summary>
public sealed record HealthResponse(string Status, string? Node, IReadOnlyDictionary<string, string>? Checks);

/// <summary><c>GET /v1/runs/counts</c>: runs queued (ready or later), running and dead now, over the whole store.</summary>
public sealed record RunCountsResponse(long Queued, long Running, long Dead);
