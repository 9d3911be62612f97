using Kron.Core.Model;

namespace Kron.Storage;

public sealed record MigrateParams;

/// <summary>Schema versions before and after.</summary>
public sealed record MigrateResult(int FromVersion, int ToVersion);

/// <summary>The database answered; its schema version and the newest this binary knows.</summary>
public sealed record StorageStatus(int SchemaVersion, int LatestVersion)
{
    public bool IsCurrent => SchemaVersion == LatestVersion;
}

public sealed record InsertJobParams(JobRecord Job);

/// <summary><paramref name="Created"/> is false when the key was taken: <paramref name="Job"/> is then the existing job.</summary>
public sealed record InsertJobResult(JobRecord Job, bool Created);

public sealed record InsertJobsParams(IReadOnlyList<JobRecord> Jobs);

/// <summary>Per job, in order: as <see cref="InsertJobResult"/>.</summary>
public sealed record InsertJobsResult(IReadOnlyList<InsertJobResult> Results);

public sealed record GetJobParams(string Id);

/// <summary>Filters are optional; <paramref name="Cursor"/> is the previous page's <c>NextCursor</c>.</summary>
public sealed record ListJobsParams(int Limit, string? Cursor = null, string? Tag = null, bool? Paused = null)
{
    /// <summary>Only jobs whose name, key or id contains this text, ignoring case (ASCII letters); null: all.</summary>
    public string? Search { get; init; }
}

public sealed record ListJobsResult(IReadOnlyList<JobRecord> Items, string? NextCursor);

/// <summary>
/// Replaces a job's definition if its version is still <paramref name="ExpectedVersion"/>. Runs prepared ahead of their
/// slot (leased to a node, not started: the trigger's look-ahead) were made from the old definition, so they are
/// withdrawn (deleted); unless <paramref name="ScheduleChanged"/>, <c>next_fire_at</c> moves back to the earliest
/// withdrawn slot, so that slot fires again from the new definition (or, when paused, on resume by its misfire policy).
/// </summary>
public sealed record UpdateJobParams(JobRecord Job, long ExpectedVersion, bool ScheduleChanged = false);

public enum UpdateJobOutcome
{
    Updated,
    NotFound,
    VersionConflict,
}

/// <summary>The job after the update (version + 1), or null when not updated.</summary>
public sealed record UpdateJobResult(UpdateJobOutcome Outcome, JobRecord? Job);

public sealed record DeleteJobParams(string Id, DateTimeOffset? Now = null);

public sealed record DeleteJobResult(bool Deleted, int CancelledRuns);

/// <summary>
/// Due jobs up to <paramref name="Until"/>; with <paramref name="Shards"/>, only jobs of those shards. With
/// <paramref name="From"/> (one per shard, in the same order), the caller knows that none of a shard's jobs is due before
/// its instant, and the scan may start there: on PostgreSQL it then skips the index entries of rows that changed and are
/// not vacuumed yet, which every scan from the start of a shard's range walks (design.md 4.3).
/// <see cref="DateTimeOffset.MinValue"/>: from the start of the shard's range. A driver may read from earlier (SQLite:
/// its index holds no such entries).
/// </summary>
public sealed record GetDueJobsParams(DateTimeOffset Until, int Limit, IReadOnlyList<int>? Shards = null, IReadOnlyList<DateTimeOffset>? From = null);

/// <summary>
/// Due jobs, earliest first, and the earliest <c>next_fire_at</c> after the bound (null if none). With
/// <see cref="GetDueJobsParams.Shards"/>, a driver may also report <paramref name="NextFireAfterByShard"/>: for each
/// shard asked about, an instant before which none of its unpaused jobs that are not in <paramref name="Jobs"/> is due
/// (a shard absent from it has none). The trigger then rescans only the shards that have come due (design.md 4.3).
/// Null without shards, or from a driver that does not report it: then every pass scans every shard.
/// </summary>
public sealed record GetDueJobsResult(
    IReadOnlyList<JobRecord> Jobs,
    DateTimeOffset? NextFireAfter,
    IReadOnlyDictionary<int, DateTimeOffset>? NextFireAfterByShard = null);

/// <summary>
/// One due job to fire: move <c>next_fire_at</c> from <paramref name="ExpectedNextFireAt"/> to
/// <paramref name="NewNextFireAt"/> and, only if that compare-and-set wins, insert <paramref name="Runs"/> (runs to
/// execute and slots recorded as skipped; each at most once per slot) and ask the runs in
/// <see cref="CancelRunIds"/> to stop (concurrency policy <c>replace</c>).
/// </summary>
public sealed record JobFire(string JobId, DateTimeOffset ExpectedNextFireAt, DateTimeOffset? NewNextFireAt, IReadOnlyList<RunRecord> Runs)
{
    /// <summary>The error recorded on a queued run that a fire cancels (<see cref="CancelRunIds"/>).</summary>
    public const string ReplacedRunError = "cancelled: replaced by the run for a newer slot";

    /// <summary>Runs to cancel with this fire: queued ones become cancelled, running ones get a cancel request.</summary>
    public IReadOnlyList<string> CancelRunIds { get; init; } = [];
}

/// <summary>
/// Fires in one transaction. <paramref name="Now"/> stamps the runs a fire cancels (null: the database clock). With
/// <paramref name="Fence"/>, a fire of a job whose shard is not fenced-in does nothing and reports false.
/// </summary>
public sealed record FireJobsParams(IReadOnlyList<JobFire> Fires, DateTimeOffset? Now = null, ShardFence? Fence = null);

/// <summary>Per fire, in order: whether the compare-and-set won (false: another writer moved the job first).</summary>
public sealed record FireJobsResult(IReadOnlyList<bool> Fired)
{
    /// <summary>Runs of fires that won but were not inserted because their slot already had a run.</summary>
    public IReadOnlyList<string> NotInsertedRunIds { get; init; } = [];
}

public sealed record InsertRunParams(RunRecord Run);

public sealed record InsertRunResult(bool Inserted);

/// <summary>
/// Lease up to <paramref name="Limit"/> ready runs to <paramref name="Owner"/> for <paramref name="LeaseDuration"/>. With
/// <paramref name="Fence"/>, only runs of the fenced-in shards.
/// </summary>
public sealed record ClaimRunsParams(string Owner, int Limit, TimeSpan LeaseDuration, DateTimeOffset? Now = null, ShardFence? Fence = null);

/// <summary>The claimed runs, now <see cref="RunState.Running"/>, each with a fresh lease token.</summary>
public sealed record ClaimRunsResult(IReadOnlyList<RunRecord> Runs);

/// <summary>A lease held on a run.</summary>
public sealed record RunLease(string RunId, string LeaseToken);

/// <summary>
/// Marks prepared runs (running, leased, <c>started_at</c> still null: fired ahead of their slot) as started now, each
/// only if its lease token is current and it was not withdrawn or cancelled meanwhile.
/// </summary>
public sealed record StartRunsParams(IReadOnlyList<RunLease> Leases, DateTimeOffset? Now = null);

/// <summary>Per lease, in order: started (it may execute now) or not (withdrawn, cancelled, rescued: drop it).</summary>
public sealed record StartRunsResult(IReadOnlyList<bool> Started);

/// <summary>Extends leases; with <see cref="Worker"/>, also records that the worker was seen (its heartbeat).</summary>
public sealed record ExtendLeasesParams(IReadOnlyList<RunLease> Leases, TimeSpan LeaseDuration, DateTimeOffset? Now = null)
{
    /// <summary>The worker (its lease owner name, <c>worker:</c> and its name) that holds these leases, or null for a node.</summary>
    public string? Worker { get; init; }
}

/// <summary>
/// The run ids whose leases were extended (the others were lost to a newer attempt or a rescue), and those of them
/// whose cancellation was requested.
/// </summary>
public sealed record ExtendLeasesResult(IReadOnlyList<string> Extended)
{
    public IReadOnlyList<string> CancelRequested { get; init; } = [];
}

/// <summary>
/// The outcome of an attempt. <paramref name="State"/> is final (succeeded, failed, dead, cancelled) or
/// <see cref="RunState.Queued"/> to retry at <paramref name="RetryAt"/> with the next attempt.
/// </summary>
public sealed record RunCompletion(
    string RunId,
    string LeaseToken,
    RunState State,
    DateTimeOffset? RetryAt = null,
    int? ExitCode = null,
    int? HttpStatus = null,
    string? Error = null,
    string? Output = null)
{
    /// <summary>
    /// When the attempt actually started executing on the node; a final outcome records it as the run's
    /// <c>started_at</c> (the lease stamped the claim or fire instant, up to a transaction earlier). Null keeps it.
    /// </summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// With <see cref="RunState.Queued"/>: queue the run again with the same attempt (a worker's snooze, or a run handed
    /// back at shutdown) instead of the next one.
    /// </summary>
    public bool KeepAttempt { get; init; }
}

public sealed record CompleteRunsParams(IReadOnlyList<RunCompletion> Completions, DateTimeOffset? Now = null);

/// <summary>Per completion, in order: accepted (the token was current) or rejected as stale.</summary>
public sealed record CompleteRunsResult(IReadOnlyList<bool> Accepted);

/// <summary>
/// Rescue running runs whose lease expired; with <paramref name="Owner"/>, also every running run leased by that owner
/// whatever its expiry (a node restarting after a crash knows its old leases are orphans).
/// </summary>
/// <remarks>
/// A prepared run (leased but never started: <c>started_at</c> is null) goes back to the queue for its slot with the same
/// attempt, whatever its delivery: it never executed. With <paramref name="PreparedOnly"/> only those are rescued (a node
/// stopping hands back the runs it prepared and will not start).
/// </remarks>
public sealed record RescueRunsParams(int Limit, DateTimeOffset? Now = null, string? Owner = null, bool PreparedOnly = false);

/// <summary>Runs returned to the queue (at least once) and runs marked lost (at most once).</summary>
public sealed record RescueRunsResult(int Requeued, int Lost)
{
    /// <summary>Each rescued run as it is now: queued again (with its new attempt) or lost, with the reason.</summary>
    public IReadOnlyList<RescuedRun> Runs { get; init; } = [];
}

/// <summary>A run a rescue or a takeover changed: its new state and attempt, and the error that says why.</summary>
public sealed record RescuedRun(string Id, string JobId, RunState State, int Attempt, string? Error);

public sealed record GetRunParams(string Id);

public sealed record ListRunsParams(int Limit, string? Cursor = null, string? JobId = null, RunState? State = null)
{
    /// <summary>Only runs of this queue (with <see cref="State"/> if given; not combined with <see cref="JobId"/>).</summary>
    public string? Queue { get; init; }
}

public sealed record ListRunsResult(IReadOnlyList<RunRecord> Items, string? NextCursor);

/// <summary>
/// How many runs are queued, running and dead now, over every shard (an index-only count; the metrics sampler's read).
/// </summary>
public sealed record CountRunsParams;

/// <summary>Runs queued (ready or later, for nodes and for workers), running (nodes and workers) and dead now.</summary>
public sealed record CountRunsResult(long Queued, long Running, long Dead);

public sealed record DeleteFinishedRunsParams(DateTimeOffset FinishedBefore, int Limit);

public sealed record DeleteFinishedRunsResult(int Deleted);

public sealed record GetActiveRunsParams(IReadOnlyList<string> JobIds);

/// <summary>A queued or running run, as the concurrency policies see it.</summary>
public sealed record ActiveRun(string Id, string JobId, RunState State, DateTimeOffset ScheduledFor);

/// <summary>The queued and running runs of the given jobs.</summary>
public sealed record GetActiveRunsResult(IReadOnlyList<ActiveRun> Runs);

public sealed record CancelRunParams(string RunId, string Reason, DateTimeOffset? Now = null);

public enum CancelRunOutcome
{
    /// <summary>It was queued and is now cancelled.</summary>
    Cancelled,

    /// <summary>It is running: the request is recorded and its executor stops it.</summary>
    Requested,

    /// <summary>It had already finished.</summary>
    AlreadyFinished,

    NotFound,
}

public sealed record CancelRunResult(CancelRunOutcome Outcome, RunRecord? Run);

/// <summary>
/// Redrive finished runs (states in <paramref name="States"/>: dead, failed, lost, cancelled) back to the queue: one run
/// by <paramref name="RunId"/>, or all matching the job, tag and <c>scheduled_for</c> range. Each gets a fresh set of
/// attempts: attempt + 1, and as many more as it had.
/// </summary>
public sealed record RedriveRunsParams(
    IReadOnlyList<RunState> States,
    int Limit,
    string? RunId = null,
    string? JobId = null,
    string? Tag = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    DateTimeOffset? Now = null);

public sealed record RedriveRunsResult(IReadOnlyList<string> RunIds);
