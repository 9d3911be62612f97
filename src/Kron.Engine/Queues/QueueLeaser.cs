using Kron.Core.Model;
using Kron.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Queues;

/// <summary>
/// The node's side of the worker protocol: leases queue runs to workers (a long-poll that answers as soon as runs are
/// ready), extends their leases on heartbeats, and records their outcomes. Every write is fenced by the run's lease
/// token in storage, so a worker whose lease expired (its run was queued again and leased to another) can neither
/// extend nor complete it. Any node serves any worker: the database arbitrates.
/// </summary>
public sealed partial class QueueLeaser(
    IStorageDriver storage,
    EngineSignals signals,
    TimeProvider time,
    IOptions<QueueLeaserOptions> options,
    ILogger<QueueLeaser> logger,
    Observability.RunEvents? events = null)
{
    /// <summary>The lease owner a worker's runs are stored under; never a node id, which has no colon.</summary>
    public const string OwnerPrefix = "worker:";

    private readonly QueueLeaserOptions _options = options.Value;

    /// <summary>How long a lease lasts without a heartbeat.</summary>
    public TimeSpan LeaseDuration => _options.LeaseDuration;

    /// <summary>The longest wait a lease call may ask for.</summary>
    public TimeSpan MaxWait => _options.MaxWait;

    /// <summary>
    /// Leases up to <paramref name="max"/> ready runs of <paramref name="queues"/> to <paramref name="worker"/>,
    /// waiting up to <paramref name="wait"/> for one; empty when none became ready in time.
    /// </summary>
    public async Task<IReadOnlyList<RunRecord>> LeaseAsync(string worker, IReadOnlyList<string> queues, int max, TimeSpan wait, CancellationToken cancellationToken)
    {
        var owner = OwnerPrefix + worker;
        var deadline = time.GetUtcNow() + wait;
        var first = true;
        while (true)
        {
            // Taken before looking: a wake-up between the look and the wait is not lost.
            var woken = signals.NextQueueWake;
            var leased = await storage.LeaseQueueRunsAsync(
                new LeaseQueueRunsParams(owner, queues, max, _options.LeaseDuration) { RecordWorker = first },
                cancellationToken).ConfigureAwait(false);
            first = false;
            if (leased.Runs.Count > 0)
            {
                var now = time.GetUtcNow();
                foreach (var run in leased.Runs)
                {
                    events?.Started(run, owner, run.StartedAt ?? now);
                }

                return leased.Runs;
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return [];
            }

            var nap = remaining < _options.PollInterval ? remaining : _options.PollInterval;
            await Task.WhenAny(woken, Task.Delay(nap, time, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    /// <summary>
    /// Hands leased runs back to their queue with the same attempt, ready now: the worker they were leased to went
    /// away before it received them (its long-poll was abandoned), so nothing ran.
    /// </summary>
    public async Task ReturnAsync(IReadOnlyList<RunRecord> runs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var completions = runs.Select(r => new RunCompletion(r.Id, r.LeaseToken!, RunState.Queued, now, Error: r.Error) { KeepAttempt = true }).ToList();
        await storage.CompleteRunsAsync(new CompleteRunsParams(completions), cancellationToken).ConfigureAwait(false);
        signals.WakeQueues();
    }

    /// <summary>Extends the lease of a worker's run; says whether the worker should stop it (cancelled or replaced).</summary>
    public async Task<LeaseAnswer> HeartbeatAsync(string runId, string leaseToken, CancellationToken cancellationToken)
    {
        var run = await storage.GetRunAsync(new GetRunParams(runId), cancellationToken).ConfigureAwait(false);
        if (Check(run, leaseToken) is { } refused)
        {
            return refused;
        }

        var result = await storage.ExtendLeasesAsync(
            new ExtendLeasesParams([new RunLease(runId, leaseToken)], _options.LeaseDuration) { Worker = run!.LeaseOwner },
            cancellationToken).ConfigureAwait(false);
        if (result.Extended.Count == 0)
        {
            return new LeaseAnswer(LeaseStatus.Stale, run);
        }

        return new LeaseAnswer(LeaseStatus.Current, run)
        {
            LeaseExpiresAt = time.GetUtcNow() + _options.LeaseDuration,
            CancelRequested = result.CancelRequested.Count > 0,
        };
    }

    /// <summary>Records a worker's outcome for its run (fenced by the token); the answer carries the run as it is now.</summary>
    public async Task<LeaseAnswer> CompleteAsync(string runId, string leaseToken, WorkerOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var run = await storage.GetRunAsync(new GetRunParams(runId), cancellationToken).ConfigureAwait(false);
        if (Check(run, leaseToken) is { } refused)
        {
            return refused;
        }

        var completion = ToCompletion(run!, leaseToken, outcome, time.GetUtcNow());
        var result = await storage.CompleteRunsAsync(new CompleteRunsParams([completion]), cancellationToken).ConfigureAwait(false);
        var after = await storage.GetRunAsync(new GetRunParams(runId), cancellationToken).ConfigureAwait(false);
        if (!result.Accepted[0])
        {
            LogStale(logger, runId, run!.LeaseOwner ?? "?");
            return new LeaseAnswer(LeaseStatus.Stale, after);
        }

        events?.Completed(run!, completion);

        if (completion.State == RunState.Queued)
        {
            signals.WakeQueues();
        }

        return new LeaseAnswer(LeaseStatus.Current, after);
    }

    /// <summary>The stored outcome of a worker's attempt: retries with the run's backoff while attempts are left.</summary>
    public static RunCompletion ToCompletion(RunRecord run, string leaseToken, WorkerOutcome outcome, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(outcome);
        return outcome.Kind switch
        {
            WorkerOutcomeKind.Succeeded => new RunCompletion(run.Id, leaseToken, RunState.Succeeded, Output: outcome.Output),
            WorkerOutcomeKind.Snoozed => new RunCompletion(run.Id, leaseToken, RunState.Queued, now + (outcome.Snooze ?? TimeSpan.Zero), Output: outcome.Output)
            {
                KeepAttempt = true,
            },
            WorkerOutcomeKind.Cancelled => new RunCompletion(run.Id, leaseToken, RunState.Cancelled, Error: outcome.Error ?? "cancelled while running: the worker stopped it", Output: outcome.Output),
            _ when !outcome.Retry => new RunCompletion(run.Id, leaseToken, RunState.Failed, Error: FailureText(outcome), Output: outcome.Output),
            _ when run.Attempt < run.MaxAttempts => new RunCompletion(
                run.Id,
                leaseToken,
                RunState.Queued,
#pragma warning disable CA5394 // Not security: jitter spreads retries.
                now + run.Retry.DelayAfter(run.Attempt, Random.Shared.NextDouble(), outcome.RetryAfter),
#pragma warning restore CA5394
                Error: FailureText(outcome),
                Output: outcome.Output),
            _ => new RunCompletion(run.Id, leaseToken, RunState.Dead, Error: FailureText(outcome), Output: outcome.Output),
        };
    }

    private static string FailureText(WorkerOutcome outcome) => outcome.Error ?? "failed (the worker gave no reason)";

    private static LeaseAnswer? Check(RunRecord? run, string leaseToken) => run switch
    {
        null => new LeaseAnswer(LeaseStatus.NotFound, null),
        { Queue: null } => new LeaseAnswer(LeaseStatus.NotAQueueRun, run),
        { State: not RunState.Running } => new LeaseAnswer(LeaseStatus.Stale, run),
        _ when run.LeaseToken != leaseToken => new LeaseAnswer(LeaseStatus.Stale, run),
        _ => null,
    };

    [LoggerMessage(EventId = 1600, Level = LogLevel.Warning, Message = "Completion of run {RunId} by {Owner} was rejected: its lease token is no longer current")]
    private static partial void LogStale(ILogger logger, string runId, string owner);
}

/// <summary>What a worker says its attempt ended with.</summary>
public enum WorkerOutcomeKind
{
    Succeeded,
    Failed,
    Snoozed,
    Cancelled,
}

/// <summary>A worker's outcome: <see cref="Retry"/> false ends a failure at once; <see cref="Snooze"/> keeps the attempt.</summary>
public sealed record WorkerOutcome(WorkerOutcomeKind Kind)
{
    public string? Error { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public bool Retry { get; init; } = true;

    public TimeSpan? Snooze { get; init; }

    public string? Output { get; init; }
}

/// <summary>How a heartbeat or completion was received.</summary>
public enum LeaseStatus
{
    /// <summary>The token was current: done.</summary>
    Current,

    /// <summary>No such run.</summary>
    NotFound,

    /// <summary>A node executes this run; workers cannot heartbeat or complete it.</summary>
    NotAQueueRun,

    /// <summary>The token is not (or no longer) the run's: a newer attempt owns it, or it finished.</summary>
    Stale,
}

/// <summary>The answer to a heartbeat or completion, with the run as it is.</summary>
public sealed record LeaseAnswer(LeaseStatus Status, RunRecord? Run)
{
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    public bool CancelRequested { get; init; }
}
