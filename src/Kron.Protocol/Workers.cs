using System.Text.Json;

namespace Kron.Protocol;

/// <summary>
/// <c>POST /v1/workers/lease</c>: a worker asks for up to <see cref="Max"/> ready runs of its queues. The call
/// long-polls: it answers as soon as at least one run is leased, or with an empty list once <see cref="Wait"/> passed.
/// </summary>
public sealed record LeaseRequest
{
    /// <summary>The worker's name (letters, digits, <c>.</c> <c>_</c> <c>-</c> <c>:</c>; at most 128): who holds the runs.</summary>
    public required string Worker { get; init; }

    /// <summary>The queues to lease from (at least one, at most 32).</summary>
    public required IReadOnlyList<string> Queues { get; init; }

    /// <summary>At most this many runs (1 to 1,000; default 1).</summary>
    public int? Max { get; init; }

    /// <summary>How long to wait for a run (ISO 8601 duration, at most PT60S; default PT20S; PT0S answers at once).</summary>
    public TimeSpan? Wait { get; init; }
}

/// <summary>The runs leased to the worker, highest priority first, then oldest slot first.</summary>
public sealed record LeaseResponse(IReadOnlyList<LeasedRun> Runs);

/// <summary>A run leased to a worker: it must heartbeat before <see cref="LeaseExpiresAt"/> and complete with the token.</summary>
public sealed record LeasedRun
{
    /// <summary>The run.</summary>
    public required string Id { get; init; }

    /// <summary>The job it is a slot of.</summary>
    public required string JobId { get; init; }

    /// <summary>The handler type the job names.</summary>
    public required string JobType { get; init; }

    /// <summary>The queue it was leased from.</summary>
    public required string Queue { get; init; }

    /// <summary>The job's payload, or null.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>The slot.</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>This attempt, from 1.</summary>
    public int Attempt { get; init; }

    /// <summary>Attempts allowed in all.</summary>
    public int MaxAttempts { get; init; }

    /// <summary>The same for every attempt of the run: deduplicate side effects with it.</summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>Proves the lease; a heartbeat or completion without the current token gets 409.</summary>
    public required string LeaseToken { get; init; }

    /// <summary>When the lease runs out unless a heartbeat extends it.</summary>
    public DateTimeOffset LeaseExpiresAt { get; init; }

    /// <summary>The job's timeout for one attempt.</summary>
    public TimeSpan Timeout { get; init; }
}

/// <summary><c>POST /v1/runs/{id}/heartbeat</c>.</summary>
public sealed record HeartbeatRequest
{
    /// <summary>The token the lease handed out.</summary>
    public required string LeaseToken { get; init; }
}

/// <summary>The lease was extended; <see cref="CancelRequested"/> asks the worker to stop the run (cancelled or replaced).</summary>
public sealed record HeartbeatResponse(DateTimeOffset LeaseExpiresAt, bool CancelRequested);

/// <summary>
/// <c>POST /v1/runs/{id}/complete</c>: the outcome of a leased attempt.
/// <list type="bullet">
/// <item><c>succeeded</c>.</item>
/// <item><c>failed</c>: retried with backoff while attempts are left (not before <see cref="RetryAfter"/>), else dead;
/// with <see cref="Retry"/> = false, failed at once (final, like a webhook's 4xx; redrivable).</item>
/// <item><c>snoozed</c>: queued again after <see cref="Snooze"/> with the same attempt (PT0S hands the run back).</item>
/// <item><c>cancelled</c>: the worker stopped the run because a heartbeat asked it to.</item>
/// </list>
/// </summary>
public sealed record CompleteRequest
{
    /// <summary>The token the lease handed out.</summary>
    public required string LeaseToken { get; init; }

    /// <summary><c>succeeded</c>, <c>failed</c>, <c>snoozed</c> or <c>cancelled</c>.</summary>
    public required string Status { get; init; }

    /// <summary>What went wrong (failed), kept with the run.</summary>
    public string? Error { get; init; }

    /// <summary>failed: do not retry before this long (ISO 8601 duration); lengthens the backoff, never shortens it.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>failed: false ends the run as failed without using the remaining attempts (default true).</summary>
    public bool? Retry { get; init; }

    /// <summary>snoozed: how long until the run is ready again (ISO 8601 duration, at most P7D).</summary>
    public TimeSpan? Snooze { get; init; }

    /// <summary>A tail of the handler's output to keep with the run (at most 64 KiB are kept).</summary>
    public string? Output { get; init; }
}

/// <summary><c>GET /v1/workers</c>: workers seen recently and the runs they hold.</summary>
public sealed record WorkersResponse(IReadOnlyList<WorkerResponse> Workers);

/// <summary>A worker as the API shows it.</summary>
public sealed record WorkerResponse
{
    /// <summary>The worker's name.</summary>
    public required string Id { get; init; }

    /// <summary>The queues of its last lease call.</summary>
    public required IReadOnlyList<string> Queues { get; init; }

    /// <summary>Its last lease call or heartbeat.</summary>
    public DateTimeOffset LastSeenAt { get; init; }

    /// <summary>Seen within the lease duration.</summary>
    public bool Alive { get; init; }

    /// <summary>The runs it holds now (running, lease not yet expired).</summary>
    public required IReadOnlyList<HeldRun> Runs { get; init; }
}

/// <summary>A run a worker holds.</summary>
public sealed record HeldRun(string Id, string JobId, string Queue, int Attempt, DateTimeOffset? LeaseExpiresAt);

/// <summary><c>GET /v1/queues</c>.</summary>
public sealed record QueuesResponse(IReadOnlyList<QueueResponse> Queues);

/// <summary>A queue: its depth, its leased runs and its limit.</summary>
public sealed record QueueResponse
{
    /// <summary>The queue's name.</summary>
    public required string Name { get; init; }

    /// <summary>Queued runs, ready now or later (retries, snoozes).</summary>
    public long Queued { get; init; }

    /// <summary>Runs leased to workers now.</summary>
    public long Running { get; init; }

    /// <summary>At most this many runs leased at once, or null for no limit.</summary>
    public int? MaxLeased { get; init; }
}

/// <summary><c>PUT /v1/queues/{name}</c>: set or clear (null) the queue's limit on concurrently leased runs.</summary>
public sealed record QueueUpdateRequest
{
    /// <summary>At most this many runs leased at once (1 to 100,000), or null for no limit.</summary>
    public int? MaxLeased { get; init; }
}
