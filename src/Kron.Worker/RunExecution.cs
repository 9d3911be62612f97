using Kron.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kron.Worker;

/// <summary>
/// One leased run: resolves its handler in a scope of its own, runs it while heartbeats keep the lease, and completes
/// the run with the lease token.
/// </summary>
/// <remarks>
/// The handler's token fires for the first of: a heartbeat answering <c>cancel_requested</c> (completed as
/// <c>cancelled</c>), a heartbeat answering 409/404 (the lease is lost: nothing is completed, another attempt owns
/// the run), the job's timeout (a retryable failure), or shutdown (handed back: <c>snoozed</c> PT0S, same attempt).
/// </remarks>
#pragma warning disable CA1001 // The token sources are not disposed: an abandoned handler may still hold their tokens; they own no timer.
internal sealed class RunExecution(
    LeasedRun run,
    KronWorkerOptions options,
    WorkerCalls calls,
    IServiceScopeFactory scopes,
    JobHandlerCatalog catalog,
    TimeProvider time,
    ILogger logger,
    CancellationToken workerKilled)
{
    private const int MaxCompleteTries = 8;
    private static readonly TimeSpan MinHeartbeatDelay = TimeSpan.FromMilliseconds(200);

#pragma warning restore CA1001
    private readonly JobContext _context = JobContext.FromLease(run);
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abandon = new();
    private int _reason;
    private volatile string? _leaseLost;

    public Task Completion { get; private set; } = Task.CompletedTask;

    public void Start() => Completion = Task.Run(RunAsync, CancellationToken.None);

    /// <summary>Cancels the handler: the worker shuts down.</summary>
    public void Shutdown() => Stop(RunStopReason.Shutdown);

    /// <summary>Stops waiting for a handler that ignores its token: the run is handed back while it still runs.</summary>
    public void Abandon() => _abandon.Cancel();

    private void Stop(RunStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)RunStopReason.None) == (int)RunStopReason.None)
        {
            _stop.Cancel();
        }
    }

    private async Task RunAsync()
    {
        var started = time.GetTimestamp();
        Log.RunStarted(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, run.MaxAttempts);
        using var timeout = new CancellationTokenSource(run.Timeout > TimeSpan.Zero ? run.Timeout : Timeout.InfiniteTimeSpan, time);
        using var onTimeout = timeout.Token.Register(() => Stop(RunStopReason.Timeout));
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeats = HeartbeatAsync(heartbeatStop.Token);
        try
        {
            JobOutcome? outcome;
            try
            {
                outcome = await InvokeAsync().WaitAsync(_abandon.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
            {
                Log.HandlerDidNotStop(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt);
                outcome = null;
            }

            var reason = _leaseLost is null ? (RunStopReason)Volatile.Read(ref _reason) : RunStopReason.LeaseLost;
            if (JobInvoker.Settle(outcome, reason, run.Timeout) is { } settled)
            {
                await CompleteAsync(settled, started).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException e) when (workerKilled.IsCancellationRequested)
        {
            Log.RunInterrupted(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt);
        }
#pragma warning disable CA1031 // A fault of one run (a scoped service that throws on dispose) must not stop the worker.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.RunFaulted(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt);
        }
        finally
        {
            await heartbeatStop.CancelAsync().ConfigureAwait(false);
            await heartbeats.ConfigureAwait(false);
        }

        if (_leaseLost is { } why)
        {
            Log.LeaseLost(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, why);
        }
    }

    private async Task<JobOutcome> InvokeAsync()
    {
        var scope = scopes.CreateAsyncScope();
        try
        {
            IJobHandler? handler;
            try
            {
                handler = JobHandlerCatalog.Resolve(scope.ServiceProvider, run.JobType);
            }
#pragma warning disable CA1031 // A handler that cannot be built is that run's failure, not the worker's.
            catch (Exception e)
#pragma warning restore CA1031
            {
                return JobOutcome.FromException(e);
            }

            if (handler is null)
            {
                var error = catalog.NoHandlerError(run.JobType, options.WorkerId);
                Log.NoHandler(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, error);
                return JobOutcome.Retry(error);
            }

            return await JobInvoker.InvokeAsync(handler, _context, _stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await DisposeAsync(scope).ConfigureAwait(false);
        }
    }

    // The handler's outcome stands when one of its scoped services fails to dispose.
    private async Task DisposeAsync(AsyncServiceScope scope)
    {
        try
        {
            await scope.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Logged; the run's outcome is already decided.
        catch (Exception e)
#pragma warning restore CA1031
        {
            Log.ScopeDisposeFailed(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt);
        }
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(NextHeartbeatDelay(), time, cancellationToken).ConfigureAwait(false);
                var answer = await calls.CallAsync((c, ct) => c.HeartbeatAsync(run.Id, run.LeaseToken, ct), options.RequestTimeout, cancellationToken).ConfigureAwait(false);
                _context.ExtendLease(answer.LeaseExpiresAt);
                if (answer.CancelRequested && Volatile.Read(ref _reason) == (int)RunStopReason.None)
                {
                    Log.CancelRequested(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt);
                    Stop(RunStopReason.CancelRequested);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (WorkerCalls.IsLeaseLost(e))
            {
                _leaseLost = "heartbeat: " + e.Message;
                Stop(RunStopReason.LeaseLost);
                return;
            }
#pragma warning disable CA1031 // A failed heartbeat is tried again sooner; the lease lasts a while yet.
            catch (Exception e)
#pragma warning restore CA1031
            {
                Log.HeartbeatFailed(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, _context.LeaseExpiresAt);
            }
        }
    }

    private TimeSpan NextHeartbeatDelay()
    {
        // At most a third of what is left: after a failed heartbeat the next comes sooner, and two may fail before the
        // lease runs out.
        var third = (_context.LeaseExpiresAt - time.GetUtcNow()) / 3;
        var delay = options.HeartbeatInterval is { } interval && interval < third ? interval : third;
        return delay < MinHeartbeatDelay ? MinHeartbeatDelay : delay;
    }

    private async Task CompleteAsync(JobOutcome outcome, long started)
    {
        var request = outcome.ToCompleteRequest(run.LeaseToken);
        var backoff = new Backoff(options.BackoffInitialInterval, options.BackoffMaxInterval);
        for (var tries = 1; ; tries++)
        {
            try
            {
                await calls.CallAsync((c, ct) => c.CompleteAsync(run.Id, request, ct), options.RequestTimeout, workerKilled).ConfigureAwait(false);
                if (logger.IsEnabled(LogLevel.Debug))
                {
                    var elapsed = time.GetElapsedTime(started);
                    Log.RunFinished(logger, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, outcome, elapsed);
                }

                return;
            }
            catch (Exception e) when (WorkerCalls.IsLeaseLost(e))
            {
                _leaseLost = "completion: " + e.Message;
                return;
            }
            catch (Exception e) when (WorkerCalls.IsTransient(e) && tries < MaxCompleteTries && time.GetUtcNow() < _context.LeaseExpiresAt)
            {
                var delay = backoff.Next();
                Log.CompleteFailed(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, delay);
                await Task.Delay(delay, time, workerKilled).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.CompleteAbandoned(logger, e, run.Id, run.JobId, run.JobType, run.Queue, run.Attempt, outcome);
                return;
            }
        }
    }
}
