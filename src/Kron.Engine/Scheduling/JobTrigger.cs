using Kron.Core.Cron;
using Kron.Core.Model;
using Kron.Engine.Cluster;
using Kron.Engine.Dispatch;
using Kron.Engine.Observability;
using Kron.Engine.Queues;
using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Scheduling;

/// <summary>
/// Fires due slots. Each pass loads the jobs whose <c>next_fire_at</c> has come (an index range scan), computes each
/// job's run slot and next slot in C#, and fires the batch in one transaction: the run is inserted for its slot (at
/// most one per slot) and <c>next_fire_at</c> moves by compare-and-set, so the run is durable before anything executes
/// and two writers can never fire the same slot. Between passes it sleeps until the earliest next slot, at most
/// <see cref="JobTriggerOptions.MaxIdleInterval"/>, or until the API signals a change.
/// </summary>
public sealed partial class JobTrigger(
    IStorageDriver storage,
    ShardOwnership ownership,
    EngineSignals signals,
    TimeProvider time,
    IOptions<JobTriggerOptions> options,
    IOptions<NodeOptions> node,
    ILogger<JobTrigger> logger,
    RunDispatcher? dispatcher = null,
    RunEvents? events = null) : BackgroundService
{
    private readonly JobTriggerOptions _options = options.Value;
    private readonly string _nodeId = node.Value.NodeId;
    private readonly FailureThrottle _failures = new(time);
    private readonly Func<string> _newRunId = () => Ids.New(time);
    private DateTimeOffset _nextLookAheadAt = DateTimeOffset.MinValue;

    // Fenced (a cluster on PostgreSQL): per shard owned, an instant before which none of its jobs is due, from the last
    // pass over every shard and what each pass since read and fired. The passes in between scan only the shards that
    // have come due (or come within the look-ahead), each from its instant: a scan costs an index seek per shard, and a
    // steady stream wakes the trigger at every slot. A shard with a changed job (EngineSignals.WakeTrigger(shard)) is
    // read from the start of its range. Forgotten (null) when a pass fails; a pass over every shard from the start of
    // its range follows a change of unknown shard (EngineSignals.WakeTrigger()), a change of the shards held, and
    // MaxIdleInterval after the last one.
    private Dictionary<int, DateTimeOffset>? _shardDue;
    private IReadOnlyList<ShardEpoch> _shardDueFence = [];
    private DateTimeOffset _nextFullScanAt = DateTimeOffset.MinValue;

    /// <summary>One pass: fires what is due now. Tests call it directly.</summary>
    public async Task<TriggerPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        // Only the shards this node holds, each fire guarded by the shard's epoch (null: exclusive, all shards).
        var fence = ownership.CurrentFence(_nodeId);
        var shardDue = _shardDue;
        _shardDue = null;
        if (fence is { Shards.Count: 0 })
        {
            return new TriggerPass(0, false, null);
        }

        var now = time.GetUtcNow();
        // The look-ahead scan (for bursts to prepare) runs every twentieth of the window; the passes in between read
        // only what is due (a steady stream wakes the trigger at every slot: a scan of the window each time would read
        // thousands of rows per slot).
        var capacity = dispatcher is null || _options.LookAhead <= TimeSpan.Zero ? 0 : dispatcher.PrepareCapacity;
        var lookAhead = capacity > 0 && now >= _nextLookAheadAt;
        var horizon = lookAhead ? now + _options.LookAhead : now;
        var changes = signals.TakeJobChanges();
        List<int>? shards = null;
        List<DateTimeOffset>? from = null;
        if (fence is not null)
        {
            if (shardDue is null || changes.Every || now >= _nextFullScanAt || !_shardDueFence.SequenceEqual(fence.Shards))
            {
                shardDue = null;
                shards = [.. fence.Shards.Select(s => s.Shard)];
            }
            else
            {
                // Only the shards with a slot by the horizon (now, or the end of the look-ahead), each read from its
                // instant: nothing of the shard is due before it; and the shards with a changed job, from the start.
                (shards, from) = ([], []);
                foreach (var (shard, due) in shardDue)
                {
                    if (due <= horizon && !changes.Shards.Contains(shard))
                    {
                        shards.Add(shard);
                        from.Add(due);
                    }
                }

                foreach (var shard in changes.Shards)
                {
                    if (fence.Shards.Any(s => s.Shard == shard))
                    {
                        shards.Add(shard);
                        from.Add(DateTimeOffset.MinValue);
                    }
                }

                if (shards.Count == 0)
                {
                    _nextLookAheadAt = lookAhead ? now + (_options.LookAhead / 20) : _nextLookAheadAt;
                    _shardDue = shardDue;
                    return new TriggerPass(0, false, Earliest(shardDue.Count == 0 ? null : shardDue.Values.Min(), NextScanAt(capacity)));
                }
            }
        }

        GetDueJobsResult scan;
        using (events?.Metrics.Time("get_due_jobs"))
        {
            scan = await storage.GetDueJobsAsync(new GetDueJobsParams(horizon, _options.BatchSize, shards, from), cancellationToken).ConfigureAwait(false);
        }

        shardDue = Rescanned(fence, shardDue, shards, scan, now);

        // Due now: fired as of now. Ahead (within the look-ahead): the slots of a burst (many jobs due at one instant)
        // are prepared if they cannot depend on when they fire, up to what the dispatcher holds; the others wait for
        // their slot (the earliest bounds the sleep). A steady stream of slots is not prepared: fired at its instant
        // and claimed by the fire, a run costs one write less than prepared and stamped.
        var dueNow = new List<JobRecord>(scan.Jobs.Count);
        var ahead = new List<JobRecord>();
        foreach (var job in scan.Jobs)
        {
            (job.NextFireAt <= now ? dueNow : ahead).Add(job);
        }

        var bursts = ahead.CountBy(j => j.NextFireAt!.Value).Where(g => g.Value >= _options.BurstSize).Select(g => g.Key).ToHashSet();
        var prepare = ahead.Where(j => bursts.Contains(j.NextFireAt!.Value) && Preparable(j)).Take(capacity).ToList();
        // Next pass: the earliest slot not prepared (it fires at its instant), and the next look-ahead scan. After a
        // look-ahead scan, the slots beyond its window are found by the next one, long before they are due.
        if (lookAhead && !(scan.Jobs.Count == _options.BatchSize && prepare.Count > 0))
        {
            _nextLookAheadAt = now + (_options.LookAhead / 20); // else a burst larger than a batch: the next pass goes on
        }

        var nextFireAt = Earliest(
            ahead.Count > prepare.Count ? ahead.ExceptBy(prepare.Select(j => j.Id), j => j.Id, StringComparer.Ordinal).Min(j => j.NextFireAt) : null,
            Earliest(lookAhead ? null : scan.NextFireAfter, capacity > 0 ? _nextLookAheadAt : null));
        if (dueNow.Count == 0 && prepare.Count == 0)
        {
            return new TriggerPass(0, false, Remember(shardDue, scan.Jobs, [], [], [], capacity) ?? nextFireAt);
        }

        var needActive = dueNow.Where(j => j.Concurrency != ConcurrencyPolicy.Allow || j.MaxConcurrent is not null).Select(j => j.Id).ToList();
        var active = needActive.Count == 0
            ? null
            : (await storage.GetActiveRunsAsync(new GetActiveRunsParams(needActive), cancellationToken).ConfigureAwait(false)).Runs.ToLookup(r => r.JobId);
        // Fire-and-claim: the runs ready now are created leased to this node, as many as the local dispatcher has slots
        // for, so they start as soon as the fire commits without a claim. Adopt ends the reservation whatever happens.
        var reserved = dispatcher?.Reserve(dueNow.Count) ?? 0;
        var claim = reserved == 0 ? null : new FireClaim(_nodeId, now + dispatcher!.LeaseDuration, now, reserved);
        var scarce = reserved > 0 && reserved < dueNow.Count;
        var fires = new List<JobFire>(dueNow.Count + prepare.Count);
        FireJobsResult result;
        try
        {
            foreach (var job in dueNow)
            {
                fires.Add(Fire(job, now, active is null ? [] : [.. active[job.Id]], scarce ? null : claim));
            }

            if (scarce)
            {
                PreClaim(fires, now, claim!);
            }

            foreach (var job in prepare)
            {
                fires.Add(Prepare(job, now));
            }

            using (events?.Metrics.Time("fire_jobs"))
            {
                result = await storage.FireJobsAsync(new FireJobsParams(fires, Fence: FenceOf(fence, dueNow, prepare)), cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            // Planning or the fire failed: the reservation ends, nothing was leased.
            dispatcher?.Adopt([], reserved);
            throw;
        }

        // One walk over the fires that won (indexed loops: a fire's runs are an interface, and foreach would box an
        // enumerator per fire). Leased runs that are now in the store: a slot that already had a run keeps that one.
        // Claimed runs (stamped started) execute now; prepared ones (not started) wait for their slot. Runs left in the
        // queue (not started here by fire-and-claim) need a claim. The jobs fired have moved on: their next slots count
        // too (they were not in the scan's bound).
        var notInserted = result.NotInsertedRunIds.Count == 0 ? null : result.NotInsertedRunIds.ToHashSet(StringComparer.Ordinal);
        var leasing = reserved > 0 || prepare.Count > 0;
        var started = leasing ? new List<RunRecord>(reserved - (claim?.Left ?? 0)) : null;
        var held = leasing ? new List<RunRecord>(prepare.Count) : null;
        var fired = 0;
        var queued = false;
        for (var f = 0; f < fires.Count; f++)
        {
            if (!result.Fired[f])
            {
                continue;
            }

            fired++;
            nextFireAt = Earliest(nextFireAt, fires[f].NewNextFireAt);
            var runs = fires[f].Runs;
            for (var r = 0; r < runs.Count; r++)
            {
                var run = runs[r];
                queued |= run.State == RunState.Queued;
                if (leasing && run.State == RunState.Running && (notInserted is null || !notInserted.Contains(run.Id)))
                {
                    (run.StartedAt is null ? held! : started!).Add(run);
                }
            }
        }

        if (leasing)
        {
            dispatcher!.Hold(held!);
            if (reserved > 0)
            {
                dispatcher.Adopt(started!, reserved);
            }
        }

        events?.Fired(fires.Where((_, i) => result.Fired[i]).SelectMany(f => f.Runs).Where(r => notInserted is null || !notInserted.Contains(r.Id)));
        if (queued)
        {
            signals.WakeDispatcher();
        }

        nextFireAt = Remember(shardDue, scan.Jobs, [.. dueNow, .. prepare], fires, result.Fired, capacity) ?? nextFireAt;

        // A full batch may hide more due or preparable jobs; only a pass that fired something looks again at once.
        return new TriggerPass(fired, scan.Jobs.Count == _options.BatchSize && fires.Count > 0, nextFireAt) { Prepared = prepare.Count };
    }

    /// <summary>
    /// The fence of a fire: only the shards of the jobs it fires. The store locks each shard's lease in the fence for
    /// the transaction (a row lock, written to the table), and a stream fires a few shards' jobs at a time.
    /// </summary>
    private static ShardFence? FenceOf(ShardFence? fence, List<JobRecord> dueNow, List<JobRecord> prepare)
    {
        if (fence is null)
        {
            return null;
        }

        var shards = new HashSet<int>();
        foreach (var job in dueNow)
        {
            shards.Add(job.Shard);
        }

        foreach (var job in prepare)
        {
            shards.Add(job.Shard);
        }

        return shards.Count == fence.Shards.Count ? fence : fence with { Shards = [.. fence.Shards.Where(s => shards.Contains(s.Shard))] };
    }

    /// <summary>The next scan that does not wait for a slot: the next look-ahead scan, or the next scan of every shard.</summary>
    private DateTimeOffset NextScanAt(int capacity) => capacity > 0 && _nextLookAheadAt < _nextFullScanAt ? _nextLookAheadAt : _nextFullScanAt;

    /// <summary>
    /// The shards' due instants after a scan (null when not fenced, or the driver does not report them): a scan of every
    /// shard starts them afresh; a scan of some replaces theirs. The jobs the scan returned are not in them yet
    /// (<see cref="Remember"/>).
    /// </summary>
    private Dictionary<int, DateTimeOffset>? Rescanned(ShardFence? fence, Dictionary<int, DateTimeOffset>? shardDue, List<int>? shards, GetDueJobsResult scan, DateTimeOffset now)
    {
        if (fence is null || shards is null || scan.NextFireAfterByShard is not { } byShard)
        {
            return null;
        }

        if (shardDue is null)
        {
            _shardDueFence = fence.Shards;
            _nextFullScanAt = now + _options.MaxIdleInterval;
            return new Dictionary<int, DateTimeOffset>(byShard);
        }

        foreach (var shard in shards)
        {
            if (byShard.TryGetValue(shard, out var due))
            {
                shardDue[shard] = due;
            }
            else
            {
                shardDue.Remove(shard);
            }
        }

        return shardDue;
    }

    /// <summary>
    /// Keeps the shards' due instants for the next pass, with what this pass read and fired: a fired job by its new
    /// slot; a job read but not fired (ahead of its slot, or its compare-and-set lost) by the slot it has. Returns when
    /// the next pass is needed (null when the instants are not kept).
    /// </summary>
    private DateTimeOffset? Remember(
        Dictionary<int, DateTimeOffset>? shardDue,
        IReadOnlyList<JobRecord> scanned,
        IReadOnlyList<JobRecord> firedJobs,
        List<JobFire> fires,
        IReadOnlyList<bool> won,
        int capacity)
    {
        if (shardDue is null)
        {
            return null;
        }

        HashSet<string>? moved = null;
        for (var i = 0; i < fires.Count; i++)
        {
            if (won[i])
            {
                (moved ??= new HashSet<string>(StringComparer.Ordinal)).Add(fires[i].JobId);
                if (fires[i].NewNextFireAt is { } next)
                {
                    ShardDue.Lower(shardDue, firedJobs[i].Shard, next);
                }
            }
        }

        foreach (var job in scanned)
        {
            if (moved is null || !moved.Contains(job.Id))
            {
                ShardDue.Lower(shardDue, job.Shard, job.NextFireAt!.Value);
            }
        }

        _shardDue = shardDue;
        return Earliest(shardDue.Count == 0 ? null : shardDue.Values.Min(), NextScanAt(capacity));
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a < b ? a : b;

    /// <summary>
    /// Whether a job's next slot may be fired ahead of time: nothing about it depends on the instant it fires (the
    /// concurrency policy looks at the runs active at the slot; a queue target is leased by workers, not held here).
    /// </summary>
    private static bool Preparable(JobRecord job) =>
        job.Concurrency == ConcurrencyPolicy.Allow && job.MaxConcurrent is null && QueueTargets.QueueOf(job.Target) is null;

    /// <summary>
    /// Fires a job's next slot ahead of it: the run, planned as of its slot, is inserted leased to this node but not
    /// started (<c>started_at</c> null), and the dispatcher holds it until the slot.
    /// </summary>
    private JobFire Prepare(JobRecord job, DateTimeOffset now)
    {
        var slot = job.NextFireAt!.Value;
        return Fire(job, slot, [], new FireClaim(_nodeId, slot + dispatcher!.LeaseDuration, startedAt: null, int.MaxValue) { CreatedAt = now });
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var pass = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                OutageLog.Recovered(logger, _failures, "The trigger");
                if (pass.MoreDue)
                {
                    continue;
                }

                wait = pass.NextFireAt is { } next ? next - time.GetUtcNow() : _options.MaxIdleInterval;
                wait = wait > _options.MaxIdleInterval ? _options.MaxIdleInterval : wait;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A loop logs and continues on any error: one bad pass must not stop scheduling.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_failures.Failed())
                {
                    LogPassFailed(logger, e);
                }

                wait = _options.MaxIdleInterval;
            }

            await signals.WaitForTriggerAsync(wait, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Fire-and-claim when the dispatcher has fewer slots than jobs are due: the fires were planned queued, and the
    /// ready runs with the highest priority (then the earliest) are leased to this node, one per slot of the claim.
    /// </summary>
    private static void PreClaim(List<JobFire> fires, DateTimeOffset now, FireClaim claim)
    {
        var ready = fires
            .SelectMany((fire, f) => fire.Runs.Select((run, r) => (Fire: f, Run: r, Record: run)))
            .Where(x => x.Record.State == RunState.Queued && x.Record.ReadyAt <= now && x.Record.Queue is null)
            .OrderByDescending(x => x.Record.Priority).ThenBy(x => x.Record.ReadyAt)
            .ToList();
        foreach (var (f, r, run) in ready)
        {
            if (!claim.TryTake())
            {
                break;
            }

            var runs = fires[f].Runs.ToArray();
            runs[r] = run with
            {
                State = RunState.Running,
                LeaseOwner = claim.Owner,
                Node = claim.Owner,
                LeaseToken = LeaseTokens.New(),
                LeaseExpiresAt = claim.LeaseExpiresAt,
                StartedAt = claim.StartedAt,
            };
            fires[f] = fires[f] with { Runs = runs };
        }
    }

    private JobFire Fire(JobRecord job, DateTimeOffset now, IReadOnlyList<ActiveRun> active, FireClaim? claim = null)
    {
        try
        {
            return FirePlanner.Plan(job, JobSchedules.Of(job), now, active, _options.MisfireThreshold, _newRunId, claim);
        }
        catch (Exception e) when (e is CronFormatException or InvalidOperationException)
        {
            // A definition the engine cannot read: stop scheduling it rather than fire it on every pass.
            LogUnreadableSchedule(logger, job.Id, e.Message);
            return new JobFire(job.Id, job.NextFireAt!.Value, null, []);
        }
    }

    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Trigger pass failed; retrying")]
    private static partial void LogPassFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "Job {JobId} has a schedule the engine cannot read ({Reason}); it will not fire again until changed")]
    private static partial void LogUnreadableSchedule(ILogger logger, string jobId, string reason);
}

/// <summary>
/// What one trigger pass did: slots fired (prepared ones included), whether more are due right now, and when the next
/// pass is needed (the next slot not prepared, or the next look-ahead scan).
/// </summary>
public sealed record TriggerPass(int Fired, bool MoreDue, DateTimeOffset? NextFireAt)
{
    /// <summary>Of <see cref="Fired"/>, the slots fired ahead of their instant and held by the dispatcher.</summary>
    public int Prepared { get; init; }
}
