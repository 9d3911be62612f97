using Kron.Client;
using Kron.Protocol;
using Microsoft.Extensions.Logging;

namespace Kron.Worker;

/// <summary>
/// One queue's lease loop: waits for a free slot, leases as many runs as there are free slots (a long poll), and
/// starts each. Never more of the queue's runs in flight than its concurrency.
/// </summary>
#pragma warning disable CA1001 // The semaphore has no wait handle to free, and runs release it after the loop ends.
internal sealed class QueuePoller(
    KronWorkerQueueOptions queue,
    KronWorkerOptions options,
    WorkerCalls calls,
    TimeProvider time,
    ILogger logger,
    Action<LeasedRun, Action> start)
{
#pragma warning restore CA1001
    private const int MaxLease = 1000;

    private readonly SemaphoreSlim _slots = new(queue.Concurrency, queue.Concurrency);

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var backoff = new Backoff(options.BackoffInitialInterval, options.BackoffMaxInterval);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _slots.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var free = 1;
            while (free < MaxLease && _slots.Wait(0, CancellationToken.None))
            {
                free++;
            }

            IReadOnlyList<LeasedRun> runs;
            try
            {
                var request = new LeaseRequest { Worker = options.WorkerId, Queues = [queue.Name], Max = free, Wait = options.LeaseWait };
                runs = (await calls.CallAsync((c, ct) => c.LeaseAsync(request, ct), options.LeaseWait + options.RequestTimeout, stoppingToken).ConfigureAwait(false)).Runs;
                backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // The server hands back runs it leased into this abandoned call (the request was aborted).
                return;
            }
#pragma warning disable CA1031 // Whatever the server answered, the loop goes on after a pause; it never takes the host down.
            catch (Exception e)
#pragma warning restore CA1031
            {
                _slots.Release(free);
                var delay = backoff.Next();
                if (e is KronServerUnreachableException)
                {
                    // Expected while the server restarts: one line with the reason, not a stack trace per attempt.
                    Log.ServerUnreachable(logger, queue.Name, e.Message, delay);
                }
                else
                {
                    Log.LeaseFailed(logger, e, queue.Name, delay);
                }

                try
                {
                    await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (runs.Count < free)
            {
                _slots.Release(free - runs.Count);
            }

            for (var i = 0; i < runs.Count; i++)
            {
                // A server that answers more runs than asked for gets them run, but they hold no slot.
                start(runs[i], i < free ? () => _slots.Release() : static () => { });
            }
        }
    }
}
