namespace Kron.Storage;

/// <summary>
/// Lease up to <paramref name="Limit"/> ready runs of <paramref name="Queues"/> to <paramref name="Worker"/> (its lease
/// owner name) for <paramref name="LeaseDuration"/>: highest priority first, then oldest slot, then id; never more
/// runs leased at once in a queue than its limit. Records the worker as seen, with its queues.
/// </summary>
public sealed record LeaseQueueRunsParams(string Worker, IReadOnlyList<string> Queues, int Limit, TimeSpan LeaseDuration, DateTimeOffset? Now = null)
{
    /// <summary>Record the worker as seen with these queues (false for the repeated looks of one long-poll: no write).</summary>
    public bool RecordWorker { get; init; } = true;
}

/// <summary>The leased runs, now <see cref="Kron.Core.Model.RunState.Running"/>, each with a fresh lease token, in lease order.</summary>
public sealed record LeaseQueueRunsResult(IReadOnlyList<RunRecord> Runs);

/// <summary>Workers seen at or after <paramref name="SeenSince"/>, and those still holding runs.</summary>
public sealed record ListWorkersParams(DateTimeOffset SeenSince);

/// <summary>A worker as stored: its lease owner name, its queues and when it last leased or heart-beat.</summary>
public sealed record WorkerRecord(string Worker, IReadOnlyList<string> Queues, DateTimeOffset LastSeenAt)
{
    /// <summary>The runs it holds (running, leased to it).</summary>
    public IReadOnlyList<RunRecord> Runs { get; init; } = [];
}

public sealed record ListWorkersResult(IReadOnlyList<WorkerRecord> Workers);

public sealed record ListQueuesParams;

/// <summary>A queue: runs queued (ready or later), runs leased now, and its limit on leased runs (null: none).</summary>
public sealed record QueueRecord(string Name, long Queued, long Running, int? MaxLeased);

/// <summary>Every queue that has a limit or live runs, by name.</summary>
public sealed record ListQueuesResult(IReadOnlyList<QueueRecord> Queues);

/// <summary>Sets (or with null clears) a queue's limit on concurrently leased runs.</summary>
public sealed record SetQueueLimitParams(string Queue, int? MaxLeased, DateTimeOffset? Now = null);

public sealed record SetQueueLimitResult(QueueRecord Queue);
