using System.Collections.Concurrent;
using System.Threading.Channels;
using Kron.Core.Model;
using Kron.Engine.Cluster;
using Kron.Engine.Execution;
using Kron.Engine.Observability;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Dispatch;

/// <summary>
/// Claims ready runs (leases with a fresh token, highest priority then oldest first), executes them with the
/// executor of their target type within their timeout, renews their leases while they run, and writes completions in
/// batches. A completion is accepted by storage only with the run's current lease token, so an attempt that lost its
/// lease (this node paused too long and the run was rescued) can never overwrite a newer one.
/// </summary>
public sealed partial class RunDispatcher : BackgroundService
{
    private readonly IStorageDriver _storage;
    private readonly ShardOwnership _ownership;
    private readonly Dictionary<string, IRunExecutor> _executors;
    private readonly EngineSignals _signals;
    private readonly TimeProvider _time;
    private readonly RunDispatcherOptions _options;
    private readonly string _nodeId;
    private readonly ILogger<RunDispatcher> _logger;
    private readonly RunEvents? _events;
    private readonly FailureThrottle _claimFailures;
    private readonly FailureThrottle _heartbeatFailures;
    private readonly ConcurrentDictionary<string, InFlightRun> _inFlight = new();

    /// <summary>
    /// Runs that finished here but whose completion is not written yet, with their lease token. Their leases are still
    /// renewed: when completions fall behind (a slow or overloaded database), a lease that ran out before its
    /// completion was written would let the rescuer queue the run again, and it would execute twice.
    /// </summary>
    private readonly ConcurrentDictionary<string, RunRecord> _completing = new(StringComparer.Ordinal);
    private readonly Channel<RunCompletion> _completions = Channel.CreateUnbounded<RunCompletion>();
    private readonly CancellationTokenSource _abort = new();
    private TaskCompletionSource? _idle;
    private readonly List<RunCompletion> _pending = [];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly Lock _slots = new();

    /// <summary>
    /// Prepared runs: fired ahead of their slot by the trigger's look-ahead, leased to this node, not started. They wait
    /// here, earliest slot (then highest priority) first, until the starter stamps them started at their slot.
    /// </summary>
    private readonly PriorityQueue<RunRecord, (DateTimeOffset ReadyAt, int Priority)> _prepared = new(PreparedOrder.Instance);

    /// <summary>Prepared runs stamped started (just before their slot), waiting for the slot or a free executor slot.</summary>
    private readonly PriorityQueue<RunRecord, (DateTimeOffset ReadyAt, int Priority)> _stamped = new(PreparedOrder.Instance);
    private readonly Lock _preparedLock = new();
    private volatile bool _preparedWaitForSlot;

    /// <summary>
    /// Stamps are batched: at most one stamp call per interval (each is a transaction, and a commit's flush dominates
    /// small ones), covering the runs due within the lead plus this interval.
    /// </summary>
    private static readonly TimeSpan StampInterval = TimeSpan.FromMilliseconds(50);

    private DateTimeOffset _lastStampAt = DateTimeOffset.MinValue;

    /// <summary>Prepared runs the store stamps per second, measured on batches of 500 or more (a first guess until then).</summary>
    private double _stampRate = 10_000;
    private int _reserved;
    private bool _backlog;
    private bool _stopping;

    public RunDispatcher(
        IStorageDriver storage,
        ShardOwnership ownership,
        IEnumerable<IRunExecutor> executors,
        EngineSignals signals,
        TimeProvider time,
        IOptions<RunDispatcherOptions> options,
        IOptions<NodeOptions> node,
        ILogger<RunDispatcher> logger,
        RunEvents? events = null)
    {
        ArgumentNullException.ThrowIfNull(executors);
        _storage = storage;
        _ownership = ownership;
        _executors = executors.ToDictionary(e => e.TargetType, StringComparer.Ordinal);
        _signals = signals;
        _time = time;
        _options = options.Value;
        _nodeId = node.Value.NodeId;
        _logger = logger;
        _events = events;
        _claimFailures = new FailureThrottle(time);
        _heartbeatFailures = new FailureThrottle(time);
        events?.Metrics.ObserveInFlight(() => _inFlight.Count);
    }

    /// <summary>The error of an attempt cut short by the node's shutdown (queued again, or lost when at most once).</summary>
    public const string InterruptedAtShutdown = "interrupted by the node's shutdown";

    /// <summary>Runs executing now on this node.</summary>
    public int InFlightCount => _inFlight.Count;

    /// <summary>
    /// Claims as many ready runs as there are free slots and starts executing them (without waiting for them).
    /// Returns how many it claimed. Tests call it directly, then <see cref="DrainAsync"/>.
    /// </summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var free = FreeSlots();
        if (free <= 0)
        {
            // Woken with no free slot: runs may be waiting, so the next slot freed claims at once.
            lock (_slots)
            {
                _backlog = true;
            }

            return 0;
        }

        // Only runs of the shards this node holds, guarded by their epochs (null: exclusive, all shards).
        var fence = _ownership.CurrentFence(_nodeId);
        if (fence is { Shards.Count: 0 })
        {
            return 0;
        }

        ClaimRunsResult claimed;
        using (_events?.Metrics.Time("claim_runs"))
        {
            claimed = await _storage.ClaimRunsAsync(new ClaimRunsParams(_nodeId, free, _options.LeaseDuration, Fence: fence), cancellationToken).ConfigureAwait(false);
        }

        lock (_slots)
        {
            // Every free slot taken: older ready runs may be waiting, so fresh slots go through the queue too.
            _backlog = claimed.Runs.Count == free;
        }

        foreach (var run in claimed.Runs)
        {
            Start(run);
        }

        return claimed.Runs.Count;
    }

    /// <summary>
    /// Fire-and-claim, the trigger's fast path: reserves up to <paramref name="wanted"/> executor slots for runs the
    /// trigger is about to insert already leased to this node, so they need no claim (one write less per run). Nothing
    /// is reserved while ready runs wait in the queue (the last claim took every free slot: they go first) or once the
    /// dispatcher is stopping. Every reservation ends with <see cref="Adopt"/>.
    /// </summary>
    public int Reserve(int wanted)
    {
        lock (_slots)
        {
            if (_stopping || _backlog || wanted <= 0)
            {
                return 0;
            }

            var granted = Math.Min(wanted, _options.MaxConcurrency - _inFlight.Count - _reserved);
            granted = Math.Max(0, granted);
            _reserved += granted;
            return granted;
        }
    }

    /// <summary>
    /// Executes runs the trigger inserted leased to this node (their fire committed) and ends a reservation of
    /// <paramref name="reserved"/> slots; slots not used are freed.
    /// </summary>
    public void Adopt(IReadOnlyList<RunRecord> runs, int reserved)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs)
        {
            Start(run);
        }

        lock (_slots)
        {
            _reserved -= reserved;
        }

        if (runs.Count < reserved)
        {
            _signals.WakeDispatcher();
        }
    }

    /// <summary>How many more prepared runs this node takes now (none once it is stopping).</summary>
    public int PrepareCapacity
    {
        get
        {
            lock (_slots)
            {
                if (_stopping)
                {
                    return 0;
                }
            }

            lock (_preparedLock)
            {
                return Math.Max(0, _options.MaxPrepared - _prepared.Count - _stamped.Count);
            }
        }
    }

    /// <summary>Prepared runs held now, waiting for their slot.</summary>
    public int PreparedCount
    {
        get
        {
            lock (_preparedLock)
            {
                return _prepared.Count + _stamped.Count;
            }
        }
    }

    /// <summary>
    /// Holds runs the trigger fired ahead of their slot, leased to this node with <c>started_at</c> null, until their
    /// slot (<see cref="StartPreparedAsync"/>).
    /// </summary>
    public void Hold(IReadOnlyList<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            return;
        }

        lock (_preparedLock)
        {
            foreach (var run in runs)
            {
                _prepared.Enqueue(run, (run.ReadyAt, run.Priority));
            }
        }

        _signals.WakePrepared();
    }

    /// <summary>
    /// Moves prepared runs towards execution, in two stages. Runs due within <see cref="RunDispatcherOptions.StartLead"/>
    /// are stamped started by one storage call per batch of up to 5,000, each only if its lease is still current (an
    /// update of its job, a cancel or a rescue took the others away); then each stamped run executes at its slot, as
    /// executor slots allow. Stamping ahead of the slot keeps the database write off the slot itself, so a burst starts
    /// on time. Returns how many runs were stamped or started. Tests call it directly.
    /// </summary>
    public async Task<int> StartPreparedAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var stamp = new List<RunRecord>();
        lock (_preparedLock)
        {
            // Everything due within the lead plus one stamp interval: stamps go in batches, one interval apart.
            var lead = StampLead() + StampInterval;
            while (stamp.Count < 5000 && _prepared.TryPeek(out _, out var order) && order.ReadyAt <= now + lead)
            {
                stamp.Add(_prepared.Dequeue());
            }
        }

        var moved = 0;
        if (stamp.Count > 0)
        {
            _lastStampAt = now;
            StartRunsResult result;
            try
            {
                var began = TimeProvider.System.GetTimestamp();
                using (_events?.Metrics.Time("start_runs"))
                {
                    result = await _storage.StartRunsAsync(new StartRunsParams([.. stamp.Select(r => new RunLease(r.Id, r.LeaseToken!))]), cancellationToken).ConfigureAwait(false);
                }

                if (stamp.Count >= 500)
                {
                    var rate = stamp.Count / Math.Max(0.001, TimeProvider.System.GetElapsedTime(began).TotalSeconds);
                    _stampRate = (_stampRate + rate) / 2;
                }
            }
            catch
            {
                // Not known to be stamped: they wait again. If the stamp did commit, the next one fails and the run is
                // rescued when its lease expires, as after a crash.
                Hold(stamp);
                throw;
            }

            lock (_preparedLock)
            {
                for (var i = 0; i < stamp.Count; i++)
                {
                    if (result.Started[i])
                    {
                        _stamped.Enqueue(stamp[i], (stamp[i].ReadyAt, stamp[i].Priority));
                        moved++;
                    }
                    else
                    {
                        LogPreparedWithdrawn(_logger, stamp[i].Id);
                    }
                }
            }
        }

        // Stamped runs whose slot has come execute now, as many as there are free slots.
        now = _time.GetUtcNow();
        var due = new List<RunRecord>();
        lock (_slots)
        {
            if (_stopping)
            {
                return moved;
            }

            var free = _options.MaxConcurrency - _inFlight.Count - _reserved;
            lock (_preparedLock)
            {
                while (due.Count < free && _stamped.TryPeek(out _, out var order) && order.ReadyAt <= now)
                {
                    due.Add(_stamped.Dequeue());
                }

                // Due runs left behind wait for a slot: every finished run wakes the starter until they are gone.
                _preparedWaitForSlot = _stamped.TryPeek(out _, out var next) && next.ReadyAt <= now;
            }

            _reserved += due.Count;
        }

        foreach (var run in due)
        {
            Start(run);
        }

        lock (_slots)
        {
            _reserved -= due.Count;
        }

        return moved + due.Count;
    }

    /// <summary>When the starter has work next: the earliest stamped run's slot, or the earliest prepared run's stamp time.</summary>
    private DateTimeOffset? NextPreparedAt()
    {
        lock (_preparedLock)
        {
            DateTimeOffset? next = _stamped.TryPeek(out _, out var stamped) ? stamped.ReadyAt : null;
            if (_prepared.TryPeek(out _, out var prepared))
            {
                var stampAt = prepared.ReadyAt - StampLead();
                stampAt = stampAt < _lastStampAt + StampInterval ? _lastStampAt + StampInterval : stampAt;
                next = next is null || stampAt < next ? stampAt : next;
            }

            return next;
        }
    }

    /// <summary>
    /// How long before their slot prepared runs are stamped: <see cref="RunDispatcherOptions.StartLead"/>, plus the time
    /// the store takes to stamp the runs due around the earliest one (at the stamp rate measured so far), so that a
    /// burst larger than a lead's worth of stamps is still stamped by its slot. At most 10 s more. Under the lock.
    /// </summary>
    private TimeSpan StampLead()
    {
        if (!_prepared.TryPeek(out _, out var head))
        {
            return _options.StartLead;
        }

        var horizon = head.ReadyAt + _options.StartLead;
        var burst = 0;
        foreach (var (_, order) in _prepared.UnorderedItems)
        {
            burst += order.ReadyAt <= horizon ? 1 : 0;
        }

        return _options.StartLead + TimeSpan.FromSeconds(Math.Min(10, burst / _stampRate));
    }

    private async Task StartPreparedLoopAsync(CancellationToken stoppingToken)
    {
        var failures = new FailureThrottle(_time);
        while (!stoppingToken.IsCancellationRequested)
        {
            TimeSpan wait;
            try
            {
                var started = await StartPreparedAsync(stoppingToken).ConfigureAwait(false);
                OutageLog.Recovered(_logger, failures, "Starting prepared runs");
                if (started > 0 && !_preparedWaitForSlot && NextPreparedAt() <= _time.GetUtcNow())
                {
                    continue;
                }

                // Sleep until the earliest slot (a new earlier run wakes the loop), or, when slots are full, until one frees.
                var next = NextPreparedAt();
                wait = _preparedWaitForSlot || next is null ? _options.PollInterval : next.Value - _time.GetUtcNow();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A loop logs and continues on any error; the runs wait in memory meanwhile.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (failures.Failed())
                {
                    LogStartPreparedFailed(_logger, e);
                }

                wait = _options.PollInterval;
            }

            await _signals.WaitForPreparedAsync(wait, _time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// At stop: the prepared runs this node will not start go back to the queue for their slot, attempt unchanged, so
    /// another node (or this one after a restart) runs them on time instead of after their lease expires.
    /// </summary>
    private async Task HandBackPreparedAsync()
    {
        int count;
        List<RunRecord> stamped;
        lock (_preparedLock)
        {
            count = _prepared.Count;
            _prepared.Clear();
            stamped = [.. _stamped.UnorderedItems.Select(p => p.Element)];
            _stamped.Clear();
        }

        // Stamped ones (due within the start lead) go back through the completion writer, for their slot, same attempt.
        foreach (var run in stamped)
        {
            _completing[run.Id] = run;
            _completions.Writer.TryWrite(new RunCompletion(run.Id, run.LeaseToken!, RunState.Queued, run.ReadyAt, Error: "handed back by " + _nodeId + ", stopping, before its slot") { KeepAttempt = true });
        }

        if (count == 0)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.ShutdownGrace, TimeProvider.System);
            RescueRunsResult result;
            do
            {
                result = await _storage.RescueRunsAsync(new RescueRunsParams(1000, Owner: _nodeId, PreparedOnly: true), timeout.Token).ConfigureAwait(false);
                _events?.Rescued(result.Runs);
            }
            while (result.Requeued + result.Lost == 1000);
        }
#pragma warning disable CA1031 // Best effort: whatever is not handed back is rescued when its lease expires.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogHandBackFailed(_logger, count, e);
        }
    }

    /// <summary>The lease duration the trigger gives the runs it inserts leased to this node.</summary>
    public TimeSpan LeaseDuration => _options.LeaseDuration;

    private int FreeSlots()
    {
        lock (_slots)
        {
            return _options.MaxConcurrency - _inFlight.Count - _reserved;
        }
    }

    private void Start(RunRecord run)
    {
        var inFlight = new InFlightRun(run, this);
        _inFlight[run.Id] = inFlight;

        // Shutdown cancels the runs in _inFlight after setting _abort; one added meanwhile sees _abort here.
        if (_abort.IsCancellationRequested)
        {
            inFlight.Stop(InFlightRun.Shutdown);
        }

        _events?.Started(run, _nodeId, run.StartedAt ?? _time.GetUtcNow());

        // The execution runs on the thread pool, without this caller's execution context (a trigger pass's or a
        // claim's). An executor that finishes synchronously (a noop) then allocates no task or state machine.
        ThreadPool.UnsafeQueueUserWorkItem(inFlight, preferLocal: false);
    }

    /// <summary>Completes when no run is executing here (including runs that start meanwhile).</summary>
    private async Task WaitIdleAsync(CancellationToken cancellationToken)
    {
        while (!_inFlight.IsEmpty)
        {
            // Finish signals the last waiter registered when it empties _inFlight; registering, then looking again,
            // cannot miss that moment.
            var idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _idle, idle);
            if (_inFlight.IsEmpty)
            {
                break;
            }

            await idle.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits for every run in flight to finish and writes all pending completions.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        await WaitIdleAsync(cancellationToken).ConfigureAwait(false);
        await WriteCompletionsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Renews the leases of the runs in flight; cancels those whose lease was lost. Tests call it directly.</summary>
    public async Task RenewLeasesAsync(CancellationToken cancellationToken)
    {
        var late = _time.GetUtcNow() - _options.HeartbeatInterval;
        List<RunLease> waiting;
        lock (_preparedLock)
        {
            // Prepared runs still waiting (for a free slot) a third of a lease after their slot: their lease ran from it.
            waiting = [.. _prepared.UnorderedItems.Concat(_stamped.UnorderedItems)
                .Where(p => p.Priority.ReadyAt <= late).Select(p => new RunLease(p.Element.Id, p.Element.LeaseToken!))];
        }

        var leases = _inFlight.Values.Where(r => r.Run.LeaseToken is not null).Select(r => new RunLease(r.Run.Id, r.Run.LeaseToken!))
            .Concat(_completing.Select(c => new RunLease(c.Key, c.Value.LeaseToken!)))
            .Concat(waiting)
            .DistinctBy(l => l.RunId, StringComparer.Ordinal)
            .ToList();
        if (leases.Count == 0)
        {
            return;
        }

        ExtendLeasesResult result;
        using (_events?.Metrics.Time("extend_leases"))
        {
            result = await _storage.ExtendLeasesAsync(new ExtendLeasesParams(leases, _options.LeaseDuration), cancellationToken).ConfigureAwait(false);
        }

        foreach (var runId in result.CancelRequested)
        {
            await CancelInFlightAsync(runId).ConfigureAwait(false);
        }

        var extended = result.Extended.ToHashSet(StringComparer.Ordinal);
        foreach (var lease in leases.Where(l => !extended.Contains(l.RunId)))
        {
            if (_inFlight.TryGetValue(lease.RunId, out var run))
            {
                LogLeaseLost(_logger, lease.RunId);
                await run.StopAsync(InFlightRun.LeaseLost).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Stops a run executing on this node because its cancellation was requested (API cancel, or a newer slot under
    /// concurrency <c>replace</c>): the process group is killed or the request aborted, and the run ends cancelled.
    /// Returns false when the run is not executing here (another node stops it at its next heartbeat).
    /// </summary>
    public async Task<bool> CancelInFlightAsync(string runId)
    {
        if (!_inFlight.TryGetValue(runId, out var run))
        {
            return false;
        }

        return await run.StopAsync(InFlightRun.CancelRequested).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var writer = Task.Run(() => WriteCompletionsLoopAsync(stoppingToken), CancellationToken.None);
        var heartbeat = Task.Run(() => HeartbeatLoopAsync(stoppingToken), CancellationToken.None);
        var starter = Task.Run(() => StartPreparedLoopAsync(stoppingToken), CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var free = FreeSlots();
                var claimed = await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                OutageLog.Recovered(_logger, _claimFailures, "Claiming runs");
                if (claimed > 0 && claimed == free)
                {
                    continue;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
#pragma warning disable CA1031 // A loop logs and continues on any error.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_claimFailures.Failed())
                {
                    LogClaimFailed(_logger, e);
                }
            }

            await _signals.WaitForDispatchAsync(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
        }

        await starter.ConfigureAwait(false);
        await StopGracefullyAsync().ConfigureAwait(false);
        await Task.WhenAll(writer, heartbeat).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _abort.Dispose();
        _writeGate.Dispose();
        base.Dispose();
    }

    private async Task StopGracefullyAsync()
    {
        // No new reservations; the trigger's fires that hold one are adopted (their runs are leased to this node).
        lock (_slots)
        {
            _stopping = true;
        }

        var waited = TimeProvider.System.GetTimestamp();
        while (Volatile.Read(ref _reserved) > 0 && TimeProvider.System.GetElapsedTime(waited) < _options.ShutdownGrace)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10), TimeProvider.System).ConfigureAwait(false);
        }

        await HandBackPreparedAsync().ConfigureAwait(false);
        var all = WaitIdleAsync(CancellationToken.None);
        if (await Task.WhenAny(all, Task.Delay(_options.ShutdownGrace, _time)).ConfigureAwait(false) != all)
        {
            LogCancellingAtShutdown(_logger, _inFlight.Count);
            await _abort.CancelAsync().ConfigureAwait(false);
            foreach (var run in _inFlight.Values)
            {
                run.Stop(InFlightRun.Shutdown);
            }

            await all.ConfigureAwait(false);
        }

        _completions.Writer.TryComplete();
    }

    /// <summary>
    /// Executes a run (on the thread pool: <see cref="Start"/> queues it). Per run this allocates one token source; its
    /// state machine and a timeout timer only when the executor does not finish synchronously (a <c>noop</c> does): the
    /// hot path of issue 6.
    /// </summary>
    private async Task ExecuteAsync(InFlightRun inFlight)
    {
        inFlight.StartedAt = _time.GetUtcNow();
        var run = inFlight.Run;
        ExecutionOutcome outcome;
        try
        {
            var target = TargetSpecs.Read(run.Target);
            if (target?.Type is { } type && _executors.TryGetValue(type, out var executor))
            {
                var execution = executor.ExecuteAsync(run, target, inFlight.Cancellation.Token);
                if (!execution.IsCompleted)
                {
                    inFlight.StartTimeout(run.Timeout - (_time.GetUtcNow() - inFlight.StartedAt.Value), _time);
                }

                outcome = await execution.ConfigureAwait(false);
            }
            else
            {
                outcome = ExecutionOutcome.Failure($"no executor on this node for target type \"{target?.Type}\"") with { Retryable = false };
            }
        }
        catch (OperationCanceledException) when (inFlight.StoppedBy == InFlightRun.TimedOut)
        {
            outcome = ExecutionOutcome.Failure($"timed out after {ProtocolJson.FormatDuration(run.Timeout)}");
        }
        catch (OperationCanceledException) when (inFlight.StoppedBy == InFlightRun.LeaseLost)
        {
            Finish(inFlight, null);
            return;
        }
        catch (OperationCanceledException) when (inFlight.StoppedBy == InFlightRun.CancelRequested)
        {
            Finish(inFlight, new RunCompletion(run.Id, run.LeaseToken!, RunState.Cancelled, Error: "cancelled while running: the execution was stopped") { StartedAt = inFlight.StartedAt });
            return;
        }
        catch (OperationCanceledException) when (inFlight.StoppedBy == InFlightRun.Shutdown)
        {
            // Cancelled at shutdown: a run that may have had effects is never relaunched when at most once.
            var state = run.Delivery == DeliveryGuarantee.AtMostOnce ? RunState.Lost : RunState.Queued;
            Finish(inFlight, new RunCompletion(run.Id, run.LeaseToken!, state, state == RunState.Queued ? _time.GetUtcNow() : null, Error: InterruptedAtShutdown)
            {
                StartedAt = state == RunState.Queued ? null : inFlight.StartedAt,
            });
            return;
        }
#pragma warning disable CA1031 // Any executor failure is the run's outcome, not the dispatcher's.
        catch (Exception e)
#pragma warning restore CA1031
        {
            outcome = ExecutionOutcome.Failure($"{e.GetType().Name}: {e.Message}");
        }

        Finish(inFlight, ToCompletion(run, outcome, inFlight.StartedAt));
    }

    private RunCompletion ToCompletion(RunRecord run, ExecutionOutcome outcome, DateTimeOffset? startedAt)
    {
        RunState state;
        DateTimeOffset? retryAt = null;
        if (outcome.Succeeded)
        {
            state = RunState.Succeeded;
        }
        else if (!outcome.Retryable)
        {
            state = RunState.Failed;
        }
        else if (run.Attempt < run.MaxAttempts)
        {
            state = RunState.Queued;
#pragma warning disable CA5394 // Not security: jitter spreads retries.
            retryAt = _time.GetUtcNow() + run.Retry.DelayAfter(run.Attempt, Random.Shared.NextDouble(), outcome.RetryAfter);
#pragma warning restore CA5394
        }
        else
        {
            state = RunState.Dead;
        }

        // A final outcome records when the execution really started (the lease stamped the claim or fire instant).
        return new RunCompletion(run.Id, run.LeaseToken!, state, retryAt, outcome.ExitCode, outcome.HttpStatus, outcome.Error, outcome.Output)
        {
            StartedAt = state == RunState.Queued ? null : startedAt,
        };
    }

    private void Finish(InFlightRun inFlight, RunCompletion? completion)
    {
        if (completion is not null)
        {
            _completing[completion.RunId] = inFlight.Run;
            _completions.Writer.TryWrite(completion);
        }

        _inFlight.TryRemove(inFlight.Run.Id, out _);
        inFlight.Dispose();
        if (_inFlight.IsEmpty)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }

        // A freed slot matters only when ready runs wait for one (the last claim took every free slot); otherwise new
        // runs bring their own wake-up, and a claim here would be a write (an fsync) that finds nothing.
        bool backlog;
        lock (_slots)
        {
            backlog = _backlog;
        }

        if (backlog)
        {
            _signals.WakeDispatcher();
        }

        if (_preparedWaitForSlot)
        {
            _signals.WakePrepared();
        }
    }

    private async Task WriteCompletionsLoopAsync(CancellationToken stoppingToken)
    {
        while (await _completions.Reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
        {
            try
            {
                // After stop is requested the last completions are still written: they are what the runs did.
                await WriteCompletionsAsync(CancellationToken.None).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Keep the completions and try again; the run's lease keeps it safe meanwhile.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogCompletionWriteFailed(_logger, e);
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), _time, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task WriteCompletionsAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (_pending.Count < 512 && _completions.Reader.TryRead(out var completion))
            {
                _pending.Add(completion);
            }

            while (_pending.Count > 0)
            {
                CompleteRunsResult result;
                using (_events?.Metrics.Time("complete_runs"))
                {
                    result = await _storage.CompleteRunsAsync(new CompleteRunsParams([.. _pending]), cancellationToken).ConfigureAwait(false);
                }

                for (var i = 0; i < result.Accepted.Count; i++)
                {
                    _completing.TryRemove(_pending[i].RunId, out var run);
                    if (!result.Accepted[i])
                    {
                        LogStaleCompletion(_logger, _pending[i].RunId);
                    }
                    else if (run is not null)
                    {
                        _events?.Completed(run, _pending[i]);
                    }
                }

                _pending.Clear();
                while (_pending.Count < 512 && _completions.Reader.TryRead(out var completion))
                {
                    _pending.Add(completion);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private async Task HeartbeatLoopAsync(CancellationToken stoppingToken)
    {
        // Runs still finishing during the shutdown grace period keep their leases: the grace is shorter than a lease.
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, _time, stoppingToken).ConfigureAwait(false);
                await RenewLeasesAsync(stoppingToken).ConfigureAwait(false);
                OutageLog.Recovered(_logger, _heartbeatFailures, "Renewing run leases");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A missed heartbeat is retried; the lease outlives two of them.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_heartbeatFailures.Failed())
                {
                    LogHeartbeatFailed(_logger, e);
                }
            }
        }
    }

    /// <summary>
    /// A run executing here, with the one token source its executor watches. Whatever stops it first (its timeout, a
    /// lost lease, a cancel, shutdown) is recorded in <see cref="StoppedBy"/> before the token fires, so the execution
    /// knows why it was stopped.
    /// </summary>
    private sealed class InFlightRun(RunRecord run, RunDispatcher dispatcher) : IThreadPoolWorkItem, IDisposable
    {
        public const int TimedOut = 1;
        public const int LeaseLost = 2;
        public const int CancelRequested = 3;
        public const int Shutdown = 4;

        private ITimer? _timeout;
        private int _stoppedBy;

        public RunRecord Run { get; } = run;

        public CancellationTokenSource Cancellation { get; } = new();

        /// <summary>Runs the execution (queued by <see cref="Start"/>); it never throws, and finishes the run itself.</summary>
        public void Execute() => _ = dispatcher.ExecuteAsync(this);

        /// <summary>When the executor was called.</summary>
        public DateTimeOffset? StartedAt { get; set; }

        /// <summary>0 while running, otherwise the first reason it was stopped for.</summary>
        public int StoppedBy => Volatile.Read(ref _stoppedBy);

        /// <summary>
        /// Stops the execution for <paramref name="reason"/> (the executor's callbacks run here, on the caller's
        /// thread); false when it finished meanwhile (between a lookup and here it may have left <c>_inFlight</c> and
        /// disposed its token source), since there is nothing left to stop. A second reason does not replace the first.
        /// </summary>
        public bool Stop(int reason)
        {
            Interlocked.CompareExchange(ref _stoppedBy, reason, 0);
            try
            {
                Cancellation.Cancel();
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        /// <summary>As <see cref="Stop"/>, with the executor's callbacks run on the thread pool.</summary>
        public async Task<bool> StopAsync(int reason)
        {
            Interlocked.CompareExchange(ref _stoppedBy, reason, 0);
            try
            {
                await Cancellation.CancelAsync().ConfigureAwait(false);
                return true;
            }
            catch (ObjectDisposedException)
            {
                return false;
            }
        }

        /// <summary>Starts the timeout once the executor is known to run asynchronously (a timer per run otherwise).</summary>
        public void StartTimeout(TimeSpan remaining, TimeProvider time)
        {
            if (remaining <= TimeSpan.Zero)
            {
                Stop(TimedOut);
                return;
            }

            _timeout = time.CreateTimer(static state => ((InFlightRun)state!).Stop(TimedOut), this, remaining, Timeout.InfiniteTimeSpan);
        }

        public void Dispose()
        {
            _timeout?.Dispose();
            Cancellation.Dispose();
        }
    }

    /// <summary>Earliest slot first, then highest priority.</summary>
    private sealed class PreparedOrder : IComparer<(DateTimeOffset ReadyAt, int Priority)>
    {
        public static readonly PreparedOrder Instance = new();

        public int Compare((DateTimeOffset ReadyAt, int Priority) x, (DateTimeOffset ReadyAt, int Priority) y)
        {
            var byTime = x.ReadyAt.CompareTo(y.ReadyAt);
            return byTime != 0 ? byTime : y.Priority.CompareTo(x.Priority);
        }
    }

    [LoggerMessage(EventId = 1208, Level = LogLevel.Debug, Message = "Prepared run {RunId} was withdrawn before its slot (its job changed, or it was cancelled or rescued); not started")]
    private static partial void LogPreparedWithdrawn(ILogger logger, string runId);

    [LoggerMessage(EventId = 1209, Level = LogLevel.Error, Message = "Starting prepared runs failed; retrying")]
    private static partial void LogStartPreparedFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1210, Level = LogLevel.Warning, Message = "Stopping: handing back {Count} prepared runs failed; they are queued again when their leases expire")]
    private static partial void LogHandBackFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Claiming runs failed; retrying")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Warning, Message = "Run {RunId} lost its lease (rescued or taken over); its attempt here is abandoned")]
    private static partial void LogLeaseLost(ILogger logger, string runId);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Warning, Message = "Completion of run {RunId} was rejected: its lease token is no longer current")]
    private static partial void LogStaleCompletion(ILogger logger, string runId);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Writing run completions failed; retrying")]
    private static partial void LogCompletionWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1206, Level = LogLevel.Warning, Message = "Renewing run leases failed; retrying")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1207, Level = LogLevel.Warning, Message = "Stopping: cancelling {Count} runs still running after the grace period")]
    private static partial void LogCancellingAtShutdown(ILogger logger, int count);
}
