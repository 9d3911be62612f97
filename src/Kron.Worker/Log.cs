using Microsoft.Extensions.Logging;

namespace Kron.Worker;

/// <summary>The worker's log messages; event ids 7000-7099. Per-run lines are Debug, lost leases and server errors Warning.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 7000, Level = LogLevel.Information, Message = "Kron worker {WorkerId} started: queues {Queues}, job types {JobTypes}, server {ServerUrl}")]
    public static partial void WorkerStarted(ILogger logger, string workerId, string queues, string jobTypes, string? serverUrl);

    [LoggerMessage(EventId = 7001, Level = LogLevel.Information, Message = "Kron worker {WorkerId} stopping: leasing stopped, {Running} runs in flight, waiting up to {ShutdownTimeout} for them")]
    public static partial void WorkerStopping(ILogger logger, string workerId, int running, TimeSpan shutdownTimeout);

    [LoggerMessage(EventId = 7002, Level = LogLevel.Information, Message = "Kron worker {WorkerId} stopped")]
    public static partial void WorkerStopped(ILogger logger, string workerId);

    [LoggerMessage(EventId = 7003, Level = LogLevel.Information, Message = "Kron worker {WorkerId}: {Running} handlers outlasted the shutdown timeout; cancelling them and handing their runs back")]
    public static partial void ShutdownTimeoutPassed(ILogger logger, string workerId, int running);

    [LoggerMessage(EventId = 7010, Level = LogLevel.Warning, Message = "Lease call for queue {Queue} failed; calling again in {Delay}")]
    public static partial void LeaseFailed(ILogger logger, Exception exception, string queue, TimeSpan delay);

    [LoggerMessage(EventId = 7011, Level = LogLevel.Warning, Message = "Lease call for queue {Queue} failed: {Reason}; calling again in {Delay}")]
    public static partial void ServerUnreachable(ILogger logger, string queue, string reason, TimeSpan delay);

    [LoggerMessage(EventId = 7020, Level = LogLevel.Debug, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue} started, attempt {Attempt} of {MaxAttempts}")]
    public static partial void RunStarted(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 7021, Level = LogLevel.Debug, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: {Outcome} after {Elapsed}")]
    public static partial void RunFinished(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt, JobOutcome outcome, TimeSpan elapsed);

    [LoggerMessage(EventId = 7022, Level = LogLevel.Debug, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: the server asks to stop it (cancelled or replaced)")]
    public static partial void CancelRequested(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt);

    [LoggerMessage(EventId = 7023, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: lease lost ({Reason}); the handler was cancelled and the run is not completed by this worker")]
    public static partial void LeaseLost(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt, string reason);

    [LoggerMessage(EventId = 7024, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: heartbeat failed; the lease runs out at {LeaseExpiresAt}")]
    public static partial void HeartbeatFailed(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt, DateTimeOffset leaseExpiresAt);

    [LoggerMessage(EventId = 7025, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: completion failed; trying again in {Delay}")]
    public static partial void CompleteFailed(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt, TimeSpan delay);

    [LoggerMessage(EventId = 7026, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: could not complete it as {Outcome}; the server re-queues it when its lease runs out")]
    public static partial void CompleteAbandoned(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt, JobOutcome outcome);

    [LoggerMessage(EventId = 7027, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: {Error}")]
    public static partial void NoHandler(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt, string error);

    [LoggerMessage(EventId = 7028, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: the handler did not stop when cancelled; the run is handed back while it still runs")]
    public static partial void HandlerDidNotStop(ILogger logger, string runId, string jobId, string jobType, string queue, int attempt);

    [LoggerMessage(EventId = 7029, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: the worker stopped before the run finished")]
    public static partial void RunInterrupted(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt);

    [LoggerMessage(EventId = 7030, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: a service of the handler's scope failed to dispose; the handler's outcome stands")]
    public static partial void ScopeDisposeFailed(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt);

    [LoggerMessage(EventId = 7031, Level = LogLevel.Warning, Message = "Run {RunId} of job {JobId} ({JobType}) from queue {Queue}, attempt {Attempt}: the worker failed around the handler; the server re-queues the run when its lease runs out unless it was completed")]
    public static partial void RunFaulted(ILogger logger, Exception exception, string runId, string jobId, string jobType, string queue, int attempt);
}
