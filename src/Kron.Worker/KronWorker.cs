using System.Collections.Concurrent;
using Kron.Client;
using Kron.Protocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Worker;

/// <summary>
/// The hosted worker: one <see cref="QueuePoller"/> per queue, each run a <see cref="RunExecution"/>. On shutdown it
/// stops leasing at once, lets running handlers finish for up to <see cref="KronWorkerOptions.ShutdownTimeout"/>,
/// then cancels them and hands their runs back (<c>snoozed</c> PT0S: the same attempt, for another worker).
/// </summary>
internal sealed class KronWorker(
    IOptions<KronWorkerOptions> options,
    IHttpClientFactory httpClients,
    IServiceScopeFactory scopes,
    JobHandlerCatalog catalog,
    TimeProvider time,
    ILogger<KronWorker> logger) : BackgroundService
{
    /// <summary>How long cancelled handlers get to stop before their runs are handed back while they still run.</summary>
    private static readonly TimeSpan AbandonGrace = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<RunExecution, byte> _running = new();

    // Fires when the host stops waiting for this service: nothing may wait any longer.
    private readonly CancellationTokenSource _hostGaveUp = new();

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(_hostGaveUp.Cancel);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _hostGaveUp.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        using var http = httpClients.CreateClient(KronWorkerServiceCollectionExtensions.HttpClientName);
        using var client = new KronClient(http);
        var calls = new WorkerCalls(client, time);
        if (logger.IsEnabled(LogLevel.Information))
        {
            var queues = string.Join(", ", settings.Queues.Select(q => $"{q.Name} ({q.Concurrency})"));
            var jobTypes = catalog.JobTypes.Count == 0 ? "none" : string.Join(", ", catalog.JobTypes);
            Log.WorkerStarted(logger, settings.WorkerId, queues, jobTypes, settings.ServerUrl);
        }

        void Start(LeasedRun run, Action release)
        {
            var execution = new RunExecution(run, settings, calls, scopes, catalog, time, logger, _hostGaveUp.Token);
            _running[execution] = 0;
            execution.Start();
            execution.Completion.ContinueWith(
                _ =>
                {
                    _running.TryRemove(execution, out var _);
                    release();
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }

        var pollers = settings.Queues.Select(q => new QueuePoller(q, settings, calls, time, logger, Start).RunAsync(stoppingToken)).ToList();
        await Task.WhenAll(pollers).ConfigureAwait(false);
        await DrainAsync(settings).ConfigureAwait(false);
        Log.WorkerStopped(logger, settings.WorkerId);
    }

    private async Task DrainAsync(KronWorkerOptions settings)
    {
        var running = _running.Keys.ToList();
        Log.WorkerStopping(logger, settings.WorkerId, running.Count, settings.ShutdownTimeout);
        if (running.Count == 0)
        {
            return;
        }

        var all = Task.WhenAll(running.Select(r => r.Completion));
        if (await FinishesWithinAsync(all, settings.ShutdownTimeout).ConfigureAwait(false))
        {
            return;
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
            var stillRunning = running.Count(r => !r.Completion.IsCompleted);
            Log.ShutdownTimeoutPassed(logger, settings.WorkerId, stillRunning);
        }

        foreach (var execution in running)
        {
            execution.Shutdown();
        }

        if (!await FinishesWithinAsync(all, AbandonGrace).ConfigureAwait(false))
        {
            foreach (var execution in running)
            {
                execution.Abandon();
            }

            // Each hand-back is bounded by the request timeout, and by the host giving up.
            await FinishesWithinAsync(all, Timeout.InfiniteTimeSpan).ConfigureAwait(false);
        }
    }

    private async Task<bool> FinishesWithinAsync(Task task, TimeSpan timeout)
    {
        try
        {
            await task.WaitAsync(timeout, time, _hostGaveUp.Token).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
        catch (OperationCanceledException) when (_hostGaveUp.IsCancellationRequested)
        {
            return false;
        }
    }
}
