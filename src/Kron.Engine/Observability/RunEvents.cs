using Kron.Core.Model;
using Kron.Storage;
using Microsoft.Extensions.Logging;

namespace Kron.Engine.Observability;

/// <summary>
/// The one place a run's state change is told: a structured log line (category <c>Kron.Runs</c>, with run and job ids)
/// and the matching metrics. One line per change at Information (dead and lost at Warning), none per poll. At
/// thousands of runs a second these lines cost more than the runs: turn the category down with
/// <c>Logging__LogLevel__Kron.Runs=Warning</c> (<c>kron bench</c> does); failures still reach the log.
/// </summary>
public sealed partial class RunEvents
{
    /// <summary>The log category of the run lines.</summary>
    public const string Category = "Kron.Runs";

    private readonly ILogger _logger;

    public RunEvents(KronMetrics metrics, ILoggerFactory loggers)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        Metrics = metrics;
        _logger = loggers.CreateLogger(Category);
    }

    /// <summary>The instruments the changes are counted on.</summary>
    public KronMetrics Metrics { get; }

    /// <summary>The runs a fire inserted: queued ones (not those started at once by fire-and-claim) and skipped slots.</summary>
    public void Fired(IEnumerable<RunRecord> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs)
        {
            if (run.State == RunState.Skipped)
            {
                Metrics.SlotSkipped(run.SkipReason);
                LogSkipped(_logger, run.Id, run.JobId, run.ScheduledFor, run.SkipReason ?? "?");
            }
            else if (run.State == RunState.Queued)
            {
                LogQueued(_logger, run.Id, run.JobId, run.ScheduledFor, run.Queue is null ? "its slot" : $"its slot, worker queue {run.Queue}");
            }
        }
    }

    /// <summary>A run was queued outside its schedule (manual trigger).</summary>
    public void Triggered(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        LogQueued(_logger, run.Id, run.JobId, run.ScheduledFor, "manual trigger");
    }

    /// <summary>An attempt started on <paramref name="owner"/> (a node id, or <c>worker:name</c>) at <paramref name="now"/>.</summary>
    public void Started(RunRecord run, string owner, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        var lagSeconds = Math.Max(0, (now - run.ReadyAt).TotalSeconds);
        Metrics.RunStarted(lagSeconds);
        LogStarted(_logger, run.Id, run.JobId, run.Attempt, owner, lagSeconds);
    }

    /// <summary>A completion of <paramref name="run"/> was accepted by storage: the run is now in its state.</summary>
    public void Completed(RunRecord run, RunCompletion completion)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(completion);
        var error = completion.Error ?? string.Empty;
        switch (completion.State)
        {
            case RunState.Succeeded:
                Metrics.RunFinished(RunOutcomeKind.Succeeded);
                LogSucceeded(_logger, run.Id, run.JobId, run.Attempt);
                break;
            case RunState.Queued when completion.KeepAttempt:
                Metrics.RunFinished(RunOutcomeKind.Snoozed);
                LogRequeued(_logger, run.Id, run.JobId, run.Attempt, completion.RetryAt, "snoozed or handed back, same attempt");
                break;
            case RunState.Queued when IsFailure(completion):
                Metrics.RunFinished(RunOutcomeKind.Failed);
                Metrics.RunRetried();
                LogRetrying(_logger, run.Id, run.JobId, run.Attempt, run.MaxAttempts, completion.RetryAt, error);
                break;
            case RunState.Queued:
                Metrics.RunFinished(RunOutcomeKind.Requeued);
                LogRequeued(_logger, run.Id, run.JobId, run.Attempt + 1, completion.RetryAt, error);
                break;
            case RunState.Dead:
                Metrics.RunFinished(RunOutcomeKind.Failed);
                Metrics.RunDeadLettered();
                LogDead(_logger, run.Id, run.JobId, run.Attempt, error);
                break;
            case RunState.Failed:
                Metrics.RunFinished(RunOutcomeKind.Failed);
                LogFailed(_logger, run.Id, run.JobId, run.Attempt, error);
                break;
            case RunState.Cancelled:
                Metrics.RunFinished(RunOutcomeKind.Cancelled);
                LogCancelled(_logger, run.Id, run.JobId, error);
                break;
            case RunState.Lost:
                Metrics.RunFinished(RunOutcomeKind.Lost);
                LogLost(_logger, run.Id, run.JobId, run.Attempt, error);
                break;
            default:
                LogOther(_logger, run.Id, run.JobId, completion.State);
                break;
        }
    }

    /// <summary>A queued run was cancelled before it started (API cancel, job deleted).</summary>
    public void CancelledWhileQueued(RunRecord run, string reason)
    {
        ArgumentNullException.ThrowIfNull(run);
        LogCancelled(_logger, run.Id, run.JobId, reason);
    }

    /// <summary>Finished runs were put back in the queue by a person (redrive).</summary>
    public void Redriven(IEnumerable<string> runIds)
    {
        ArgumentNullException.ThrowIfNull(runIds);
        foreach (var id in runIds)
        {
            LogRedriven(_logger, id);
        }
    }

    /// <summary>
    /// Runs taken from a holder that died or lost its lease (a rescue pass, a shard takeover, a restart): each is queued
    /// again (at least once) or lost (at most once), with the reason.
    /// </summary>
    public void Rescued(IReadOnlyList<RescuedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        foreach (var run in runs)
        {
            if (run.State == RunState.Lost)
            {
                Metrics.RunFinished(RunOutcomeKind.Lost);
                LogLost(_logger, run.Id, run.JobId, run.Attempt, run.Error ?? string.Empty);
            }
            else
            {
                Metrics.RunFinished(RunOutcomeKind.Requeued);
                LogRescuedRequeued(_logger, run.Id, run.JobId, run.Attempt, run.Error ?? string.Empty);
            }
        }
    }

    // An attempt queued again at shutdown carries RunDispatcher.InterruptedAtShutdown as its error; a failed one its failure.
    private static bool IsFailure(RunCompletion completion) =>
        completion.ExitCode is not null || completion.HttpStatus is not null
        || (completion.Error is { } error && error != Dispatch.RunDispatcher.InterruptedAtShutdown);

    [LoggerMessage(EventId = 1700, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} queued for slot {ScheduledFor:O} ({Cause})")]
    private static partial void LogQueued(ILogger logger, string runId, string jobId, DateTimeOffset scheduledFor, string cause);

    [LoggerMessage(EventId = 1701, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} skipped slot {ScheduledFor:O}: {SkipReason}")]
    private static partial void LogSkipped(ILogger logger, string runId, string jobId, DateTimeOffset scheduledFor, string skipReason);

    [LoggerMessage(EventId = 1702, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} started (attempt {Attempt}) on {Owner}, {LagSeconds:0.000} s after it was due")]
    private static partial void LogStarted(ILogger logger, string runId, string jobId, int attempt, string owner, double lagSeconds);

    [LoggerMessage(EventId = 1703, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} succeeded (attempt {Attempt})")]
    private static partial void LogSucceeded(ILogger logger, string runId, string jobId, int attempt);

    [LoggerMessage(EventId = 1704, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} failed (attempt {Attempt} of {MaxAttempts}); retrying at {RetryAt:O}: {Error}")]
    private static partial void LogRetrying(ILogger logger, string runId, string jobId, int attempt, int maxAttempts, DateTimeOffset? retryAt, string error);

    [LoggerMessage(EventId = 1705, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} is dead after {Attempt} attempts (dead-letter list): {Error}")]
    private static partial void LogDead(ILogger logger, string runId, string jobId, int attempt, string error);

    [LoggerMessage(EventId = 1706, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} failed (attempt {Attempt}), not retryable: {Error}")]
    private static partial void LogFailed(ILogger logger, string runId, string jobId, int attempt, string error);

    [LoggerMessage(EventId = 1707, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} cancelled: {Reason}")]
    private static partial void LogCancelled(ILogger logger, string runId, string jobId, string reason);

    [LoggerMessage(EventId = 1708, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} lost (attempt {Attempt}, at most once, not run again): {Reason}")]
    private static partial void LogLost(ILogger logger, string runId, string jobId, int attempt, string reason);

    [LoggerMessage(EventId = 1709, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} queued again (attempt {Attempt}) for {ReadyAt:O}: {Reason}")]
    private static partial void LogRequeued(ILogger logger, string runId, string jobId, int attempt, DateTimeOffset? readyAt, string reason);

    [LoggerMessage(EventId = 1712, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} queued again (attempt {Attempt}): {Reason}")]
    private static partial void LogRescuedRequeued(ILogger logger, string runId, string jobId, int attempt, string reason);

    [LoggerMessage(EventId = 1710, Level = LogLevel.Information, Message = "Run {RunId} redriven: queued again with a fresh set of attempts")]
    private static partial void LogRedriven(ILogger logger, string runId);

    [LoggerMessage(EventId = 1711, Level = LogLevel.Information, Message = "Run {RunId} of job {JobId} is {State}")]
    private static partial void LogOther(ILogger logger, string runId, string jobId, RunState state);
}
