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

public sealed record GetJobParams(string Id);

/// <summary>Filters are optional; <paramref name="Cursor"/> is the previous page's <c>NextCursor</c>.</summary>
public sealed record ListJobsParams(int Limit, string? Cursor = null, string? Tag = null, bool? Paused = null);

public sealed record ListJobsResult(IReadOnlyList<JobRecord> Items, string? NextCursor);

public sealed record UpdateJobParams(JobRecord Job, long ExpectedVersion);

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

public sealed record GetDueJobsParams(DateTimeOffset Until, int Limit);

/// <summary>Due jobs, earliest first, and the earliest <c>next_fire_at</c> after the bound (null if none).</summary>
public sealed record GetDueJobsResult(IReadOnlyList<JobRecord> Jobs, DateTimeOffset? NextFireAfter);

/// <summary>
/// One slot to fire: move <c>next_fire_at</c> from <paramref name="ExpectedNextFireAt"/> to
/// <paramref name="NewNextFireAt"/> and insert <paramref name="Run"/> (when not null).
/// </summary>
public sealed record JobFire(string JobId, DateTimeOffset ExpectedNextFireAt, DateTimeOffset? NewNextFireAt, RunRecord? Run);

public sealed record FireJobsParams(IReadOnlyList<JobFire> Fires);

/// <summary>Per fire, in order: whether the compare-and-set won (false: another writer moved the job first).</summary>
public sealed record FireJobsResult(IReadOnlyList<bool> Fired);

public sealed record InsertRunParams(RunRecord Run);

public sealed record InsertRunResult(bool Inserted);

/// <summary>Lease up to <paramref name="Limit"/> ready runs to <paramref name="Owner"/> for <paramref name="LeaseDuration"/>.</summary>
public sealed record ClaimRunsParams(string Owner, int Limit, TimeSpan LeaseDuration, DateTimeOffset? Now = null);

/// <summary>The claimed runs, now <see cref="RunState.Running"/>, each with a fresh lease token.</summary>
public sealed record ClaimRunsResult(IReadOnlyList<RunRecord> Runs);

/// <summary>A lease held on a run.</summary>
public sealed record RunLease(string RunId, string LeaseToken);

public sealed record ExtendLeasesParams(IReadOnlyList<RunLease> Leases, TimeSpan LeaseDuration, DateTimeOffset? Now = null);

/// <summary>The run ids whose leases were extended; the others were lost to a newer attempt or a rescue.</summary>
public sealed record ExtendLeasesResult(IReadOnlyList<string> Extended);

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
    string? Output = null);

public sealed record CompleteRunsParams(IReadOnlyList<RunCompletion> Completions, DateTimeOffset? Now = null);

/// <summary>Per completion, in order: accepted (the token was current) or rejected as stale.</summary>
public sealed record CompleteRunsResult(IReadOnlyList<bool> Accepted);

public sealed record RescueRunsParams(int Limit, DateTimeOffset? Now = null);

/// <summary>Runs returned to the queue (at least once) and runs marked lost (at most once).</summary>
public sealed record RescueRunsResult(int Requeued, int Lost);

public sealed record GetRunParams(string Id);

public sealed record ListRunsParams(int Limit, string? Cursor = null, string? JobId = null, RunState? State = null);

public sealed record ListRunsResult(IReadOnlyList<RunRecord> Items, string? NextCursor);

public sealed record DeleteFinishedRunsParams(DateTimeOffset FinishedBefore, int Limit);

public sealed record DeleteFinishedRunsResult(int Deleted);
