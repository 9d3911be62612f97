using Kron.Core.Model;

namespace Kron.Storage;

/// <summary>
/// A job as stored. Instants are UTC and stored to the microsecond; durations to the microsecond.
/// <see cref="Target"/> and <see cref="Payload"/> are JSON text that the storage layer keeps as is.
/// </summary>
public sealed record JobRecord
{
    public required string Id { get; init; }

    public string Tenant { get; init; } = JobDefaults.Tenant;

    /// <summary>Client key, unique per tenant: registering the same key again is idempotent.</summary>
    public string? Key { get; init; }

    public string? Name { get; init; }

    public required ScheduleKind ScheduleKind { get; init; }

    /// <summary>For <see cref="ScheduleKind.At"/>.</summary>
    public DateTimeOffset? ScheduleTime { get; init; }

    /// <summary>For <see cref="ScheduleKind.Cron"/>.</summary>
    public string? Cron { get; init; }

    /// <summary>IANA zone of <see cref="Cron"/>; <c>UTC</c> by default.</summary>
    public string TimeZone { get; init; } = "UTC";

    /// <summary>For <see cref="ScheduleKind.Every"/>.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Target as JSON: <c>{"type":"http",...}</c>, <c>{"type":"shell",...}</c>, <c>{"type":"noop",...}</c>.</summary>
    public required string Target { get; init; }

    /// <summary>Payload as JSON, or null.</summary>
    public string? Payload { get; init; }

    /// <summary>Attempts after the first.</summary>
    public int Retries { get; init; }

    /// <summary>Backoff between attempts.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    public TimeSpan Timeout { get; init; } = JobDefaults.Timeout;

    public ConcurrencyPolicy Concurrency { get; init; }

    /// <summary>At most this many runs of the job at once (queued or running); a slot beyond it is skipped.</summary>
    public int? MaxConcurrent { get; init; }

    public MisfirePolicy Misfire { get; init; }

    public TimeSpan? StartingDeadline { get; init; }

    public DeliveryGuarantee Delivery { get; init; }

    public int Priority { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public bool Paused { get; init; }

    /// <summary>Hash of the id modulo the shard count.</summary>
    public int Shard { get; init; }

    /// <summary>The next slot to fire, or null when the schedule has none left.</summary>
    public DateTimeOffset? NextFireAt { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Incremented by every change; used for optimistic concurrency.</summary>
    public long Version { get; init; } = 1;

    /// <summary>Hash of the registration request, to tell a repeated key with the same body from a different one.</summary>
    public string? RequestHash { get; init; }

    /// <summary>The most recent run, filled by reads; ignored by writes.</summary>
    public RunSummary? LastRun { get; init; }
}

/// <summary>The most recent run of a job, as shown with the job.</summary>
public sealed record RunSummary(string Id, RunState State, DateTimeOffset ScheduledFor, DateTimeOffset? FinishedAt);

/// <summary>
/// One execution slot of a job. <c>(JobId, ScheduledFor)</c> is unique: one slot can never become two runs. The run
/// carries what it executes (target, payload, timeout, delivery), fixed when it was announced.
/// </summary>
public sealed record RunRecord
{
    public required string Id { get; init; }

    public required string JobId { get; init; }

    public required DateTimeOffset ScheduledFor { get; init; }

    /// <summary>The job's shard: the shard's owner dispatches the run.</summary>
    public int Shard { get; init; }

    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    public string Trigger { get; init; } = RunTriggers.Schedule;

    /// <summary>1 for the first attempt.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Attempts allowed in all: retries + 1.</summary>
    public int MaxAttempts { get; init; } = 1;

    public RunState State { get; init; } = RunState.Queued;

    public required DateTimeOffset ReadyAt { get; init; }

    public int Priority { get; init; }

    public required string Target { get; init; }

    public string? Payload { get; init; }

    public TimeSpan Timeout { get; init; } = JobDefaults.Timeout;

    public DeliveryGuarantee Delivery { get; init; }

    /// <summary>Backoff between attempts, fixed when the run was announced.</summary>
    public RetryPolicy Retry { get; init; } = RetryPolicy.Default;

    /// <summary>Cancellation was asked for while the run was running; its executor stops it at the next heartbeat.</summary>
    public bool CancelRequested { get; init; }

    public string? LeaseOwner { get; init; }

    public string? LeaseToken { get; init; }

    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The node that ran (or runs) the latest attempt; for a queue run, <c>worker:</c> and the worker's name.</summary>
    public string? Node { get; init; }

    /// <summary>
    /// The queue a worker leases the run from (a <c>queue</c> target), or null when a node executes it. Fixed when the
    /// run is announced, like the target.
    /// </summary>
    public string? Queue { get; init; }

    public int? ExitCode { get; init; }

    public int? HttpStatus { get; init; }

    public string? Error { get; init; }

    /// <summary>The tail of the output (at most 64 KiB).</summary>
    public string? Output { get; init; }

    public string? SkipReason { get; init; }

    public DateTimeOffset CreatedAt { get; init; }
}

/// <summary>Defaults shared by the API, the engine and the drivers.</summary>
public static class JobDefaults
{
    public const string Tenant = "default";

    public static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);
}

/// <summary>Why a run exists.</summary>
public static class RunTriggers
{
    public const string Schedule = "schedule";
    public const string Manual = "manual";
}
