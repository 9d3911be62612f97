using Microsoft.Extensions.Logging;

namespace Kron.Samples.EmailWorker;

/// <summary>The sample's log messages; event ids 9000-9099.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 9000, Level = LogLevel.Information, Message = "Sent e-mail to {To} \"{Subject}\" (run {RunId}, attempt {Attempt})")]
    public static partial void Sent(ILogger logger, string runId, string to, string subject, int attempt);

    [LoggerMessage(EventId = 9001, Level = LogLevel.Information, Message = "Skipped a duplicate e-mail to {To} (run {RunId}): idempotency key {IdempotencyKey} was already sent")]
    public static partial void DuplicateSkipped(ILogger logger, string runId, string to, string idempotencyKey);

    [LoggerMessage(EventId = 9002, Level = LogLevel.Warning, Message = "Mail relay busy for {To} (run {RunId}, attempt {Attempt} of {MaxAttempts}); asking Kron to retry")]
    public static partial void TransientFailure(ILogger logger, string runId, string to, int attempt, int maxAttempts);

    [LoggerMessage(EventId = 9003, Level = LogLevel.Warning, Message = "Rejected run {RunId} without retrying: {Error}")]
    public static partial void Rejected(ILogger logger, string runId, string error);
}
