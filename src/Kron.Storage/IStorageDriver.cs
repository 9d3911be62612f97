using System.Diagnostics.CodeAnalysis;

namespace Kron.Storage;

/// <summary>
/// The storage seam. One method per operation, one params record in and one result out; each driver owns its complete
/// SQL. Every driver must pass <c>Kron.Storage.Conformance</c> unchanged. Operations that take a <c>Now</c> use it
/// when set (tests fake time) and the database's clock otherwise.
/// </summary>
/// <remarks>Not a stable API: drivers outside this repository are not supported (KRON0001).</remarks>
[Experimental("KRON0001")]
public interface IStorageDriver : IAsyncDisposable
{
    /// <summary>Applies pending schema migrations; refuses a schema newer than this binary.</summary>
    /// <exception cref="SchemaTooNewException">The database was migrated by a newer Kron.</exception>
    Task<MigrateResult> MigrateAsync(MigrateParams parameters, CancellationToken cancellationToken);

    /// <summary>Checks that the database answers and reports its schema version.</summary>
    Task<StorageStatus> GetStatusAsync(CancellationToken cancellationToken);

    /// <summary>Inserts a job, or returns the existing one when its key is taken in the tenant.</summary>
    Task<InsertJobResult> InsertJobAsync(InsertJobParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Inserts jobs in one transaction, each like <see cref="InsertJobAsync"/> (a taken key returns the existing job);
    /// results in the order of the jobs. Bulk registration: one commit for the whole list.
    /// </summary>
    Task<InsertJobsResult> InsertJobsAsync(InsertJobsParams parameters, CancellationToken cancellationToken);

    /// <summary>One job with its last run, or null.</summary>
    Task<JobRecord?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken);

    /// <summary>Jobs, newest first, by cursor.</summary>
    Task<ListJobsResult> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken);

    /// <summary>Replaces a job if its version is still the expected one.</summary>
    Task<UpdateJobResult> UpdateJobAsync(UpdateJobParams parameters, CancellationToken cancellationToken);

    /// <summary>Deletes a job and cancels its queued runs; running runs finish and history stays.</summary>
    Task<DeleteJobResult> DeleteJobAsync(DeleteJobParams parameters, CancellationToken cancellationToken);

    /// <summary>Unpaused jobs whose next slot is at or before a bound, earliest first (index range scan); without their last run.</summary>
    Task<GetDueJobsResult> GetDueJobsAsync(GetDueJobsParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Fires slots in one transaction: for each, compare-and-set <c>next_fire_at</c> from the expected slot to the
    /// next one and, if that succeeded, insert the slot's run (at most one run per slot).
    /// </summary>
    Task<FireJobsResult> FireJobsAsync(FireJobsParams parameters, CancellationToken cancellationToken);

    /// <summary>Inserts one run (a manual trigger); false if its slot already has a run.</summary>
    Task<InsertRunResult> InsertRunAsync(InsertRunParams parameters, CancellationToken cancellationToken);

    /// <summary>Leases ready runs (queued, <c>ready_at</c> passed), highest priority then oldest first.</summary>
    Task<ClaimRunsResult> ClaimRunsAsync(ClaimRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Marks prepared runs started before they execute (see <see cref="StartRunsParams"/>).</summary>
    Task<StartRunsResult> StartRunsAsync(StartRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Extends the leases of running runs still held with the given tokens.</summary>
    Task<ExtendLeasesResult> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken);

    /// <summary>Records outcomes; a completion is accepted only with the run's current lease token (fencing).</summary>
    Task<CompleteRunsResult> CompleteRunsAsync(CompleteRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>
    /// Leases ready runs of queues to a worker (highest priority, then oldest slot first), within each queue's limit
    /// on leased runs; records the worker as seen. Nothing ready: an empty list.
    /// </summary>
    Task<LeaseQueueRunsResult> LeaseQueueRunsAsync(LeaseQueueRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Workers seen recently or holding runs, with the runs they hold.</summary>
    Task<ListWorkersResult> ListWorkersAsync(ListWorkersParams parameters, CancellationToken cancellationToken);

    /// <summary>Queues with their depth, leased runs and limit.</summary>
    Task<ListQueuesResult> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken);

    /// <summary>Sets or clears a queue's limit on concurrently leased runs.</summary>
    Task<SetQueueLimitResult> SetQueueLimitAsync(SetQueueLimitParams parameters, CancellationToken cancellationToken);

    /// <summary>Runs whose lease expired: queued again (at least once) or lost (at most once).</summary>
    Task<RescueRunsResult> RescueRunsAsync(RescueRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>One run, or null.</summary>
    Task<RunRecord?> GetRunAsync(GetRunParams parameters, CancellationToken cancellationToken);

    /// <summary>Runs, newest first, by cursor, optionally of one job and in one state.</summary>
    Task<ListRunsResult> ListRunsAsync(ListRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>How many runs are queued, running and dead now (for the metrics gauges).</summary>
    Task<CountRunsResult> CountRunsAsync(CountRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>The queued and running runs of some jobs (for the concurrency policies).</summary>
    Task<GetActiveRunsResult> GetActiveRunsAsync(GetActiveRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Cancels a queued run, or records a cancel request for a running one.</summary>
    Task<CancelRunResult> CancelRunAsync(CancelRunParams parameters, CancellationToken cancellationToken);

    /// <summary>Puts finished runs back in the queue with a fresh set of attempts (dead-letter redrive).</summary>
    Task<RedriveRunsResult> RedriveRunsAsync(RedriveRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Deletes finished runs past retention.</summary>
    Task<DeleteFinishedRunsResult> DeleteFinishedRunsAsync(DeleteFinishedRunsParams parameters, CancellationToken cancellationToken);

    /// <summary>Records a node's heartbeat and renews the shard leases it still holds; returns the cluster as it is now.</summary>
    Task<ClusterView> HeartbeatNodeAsync(HeartbeatNodeParams parameters, CancellationToken cancellationToken);

    /// <summary>The nodes and the shard map, with the database's clock.</summary>
    Task<ClusterView> GetClusterAsync(GetClusterParams parameters, CancellationToken cancellationToken);

    /// <summary>Takes free or expired shards (epoch + 1); a takeover rescues the previous owner's running runs there.</summary>
    Task<AcquireShardsResult> AcquireShardsAsync(AcquireShardsParams parameters, CancellationToken cancellationToken);

    /// <summary>Gives held shards back at once.</summary>
    Task<ReleaseShardsResult> ReleaseShardsAsync(ReleaseShardsParams parameters, CancellationToken cancellationToken);

    /// <summary>Releases every shard of a stopping node and removes its row.</summary>
    Task<LeaveClusterResult> LeaveClusterAsync(LeaveClusterParams parameters, CancellationToken cancellationToken);

    /// <summary>Removes nodes that stopped heart-beating long ago.</summary>
    Task<ForgetNodesResult> ForgetNodesAsync(ForgetNodesParams parameters, CancellationToken cancellationToken);
}

/// <summary>
/// Optional capability of a driver shared by several nodes: hints that another node changed something this node may
/// have to act on (PostgreSQL LISTEN/NOTIFY). A hint only cuts latency; the periodic scans are the guarantee, so a
/// lost hint delays nothing beyond a scan interval.
/// </summary>
[Experimental("KRON0001")]
public interface IStorageHints
{
    /// <summary>Hints as they arrive, until cancelled; reconnects by itself after a connection loss.</summary>
    IAsyncEnumerable<StorageHint> ListenAsync(CancellationToken cancellationToken);
}

/// <summary>What a hint is about.</summary>
public enum StorageHintKind
{
    /// <summary>A job of the shard was created or changed: its owner's trigger looks again.</summary>
    JobChanged,

    /// <summary>A run of the shard became ready (manual trigger, redrive): its owner's dispatcher claims.</summary>
    RunReady,
}

/// <summary>A hint about one shard.</summary>
public readonly record struct StorageHint(StorageHintKind Kind, int Shard);
