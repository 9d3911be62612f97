using System.Globalization;
using Kron.Protocol;

namespace Kron.Worker;

/// <summary>Why a handler's token fired; the first reason wins.</summary>
internal enum RunStopReason
{
    None,

    /// <summary>A heartbeat answered <c>cancel_requested</c>: the run was cancelled or replaced.</summary>
    CancelRequested,

    /// <summary>A heartbeat answered 409 or 404: another attempt owns the run, or it is gone.</summary>
    LeaseLost,

    /// <summary>The job's timeout for one attempt passed.</summary>
    Timeout,

    /// <summary>The worker shuts down and the handler outlasted the shutdown timeout.</summary>
    Shutdown,
}

/// <summary>
/// Calls a handler and turns how it ended into the outcome the worker reports. The worker and
/// <c>Kron.Worker.Testing</c> share it, so a handler tested without a server ends the same way as on one.
/// </summary>
internal static class JobInvoker
{
    /// <summary>Calls <paramref name="handler"/>: an exception is a retryable failure, a cancellation it was asked for is <see cref="JobOutcome.Cancelled"/>.</summary>
    public static async Task<JobOutcome> InvokeAsync(IJobHandler handler, JobContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await handler.HandleAsync(context, cancellationToken).ConfigureAwait(false)
                ?? JobOutcome.Retry($"{handler.GetType().FullName}.HandleAsync returned null instead of a JobOutcome");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return JobOutcome.Cancelled;
        }
#pragma warning disable CA1031 // A handler's exception is its failure, reported to the server; it must not reach the worker's loops.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return JobOutcome.FromException(e);
        }
    }

    /// <summary>
    /// What the worker completes the run with, given how the handler ended (<see langword="null"/>: it did not stop in
    /// time) and why its token fired. <see langword="null"/>: nothing is sent (the lease is lost).
    /// </summary>
    public static JobOutcome? Settle(JobOutcome? outcome, RunStopReason reason, TimeSpan timeout) => reason switch
    {
        RunStopReason.LeaseLost => null,
        // Handed back with the same attempt: a shutdown is not the handler's failure. An explicit success, failure or
        // snooze the handler still returned stands.
        RunStopReason.Shutdown when outcome is null || outcome.Kind is JobOutcomeKind.Cancelled or JobOutcomeKind.Retry => JobOutcome.Snooze(TimeSpan.Zero),
        RunStopReason.Timeout when outcome is null || outcome.Kind == JobOutcomeKind.Cancelled =>
            JobOutcome.Retry(string.Create(CultureInfo.InvariantCulture, $"timed out after {ProtocolJson.FormatDuration(timeout)}")),
        _ => outcome ?? JobOutcome.Cancelled,
    };
}
