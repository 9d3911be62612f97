namespace Kron.Worker.Testing;

/// <summary>A handler running under <see cref="JobHandlerTester.Start(JobContext)"/>: what happens to it while it runs is the test's to say.</summary>
#pragma warning disable CA1001 // The token source owns no timer, and the handler may hold its token after the test.
public sealed class JobTestRun
{
#pragma warning restore CA1001
    private readonly CancellationTokenSource _stop = new();
    private int _reason;

    internal JobTestRun(JobContext context, Func<JobContext, CancellationToken, Task<JobOutcome>> invoke)
    {
        Context = context;
        Outcome = RunAsync(invoke);
    }

    /// <summary>The run the handler got.</summary>
    public JobContext Context { get; }

    /// <summary>
    /// The outcome the worker would complete the run with. After <see cref="LoseLease"/> the worker completes nothing;
    /// this is then how the handler ended.
    /// </summary>
    public Task<JobOutcome> Outcome { get; }

    /// <summary>
    /// As if a heartbeat answered <c>cancel_requested</c>: the run was cancelled (<c>POST /v1/runs/{id}/cancel</c>) or
    /// replaced by a newer run (<c>concurrency: replace</c>). A handler that stops ends <see cref="JobOutcomeKind.Cancelled"/>.
    /// </summary>
    public void RequestCancellation() => Stop(RunStopReason.CancelRequested);

    /// <summary>As if a heartbeat answered 409: another attempt owns the run. The handler's token fires; nothing is completed.</summary>
    public void LoseLease() => Stop(RunStopReason.LeaseLost);

    /// <summary>As if the job's timeout passed: a handler that stops ends in a retryable failure.</summary>
    public void TimeOut() => Stop(RunStopReason.Timeout);

    /// <summary>
    /// As if the worker shut down and the handler outlasted its shutdown timeout: a handler that stops (or throws) has
    /// its run handed back, <see cref="JobOutcome.Snooze(TimeSpan)"/> with zero delay, the same attempt.
    /// </summary>
    public void Shutdown() => Stop(RunStopReason.Shutdown);

    private void Stop(RunStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)RunStopReason.None) == (int)RunStopReason.None)
        {
            _stop.Cancel();
        }
    }

    private async Task<JobOutcome> RunAsync(Func<JobContext, CancellationToken, Task<JobOutcome>> invoke)
    {
        // On the thread pool, as the worker runs it: a handler that blocks before its first await blocks no test.
        var outcome = await Task.Run(() => invoke(Context, _stop.Token)).ConfigureAwait(false);
        return JobInvoker.Settle(outcome, (RunStopReason)Volatile.Read(ref _reason), Context.Timeout) ?? outcome;
    }
}
