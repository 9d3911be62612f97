using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Maintenance;

/// <summary>Options of <see cref="RunRescuer"/>.</summary>
public sealed class RunRescuerOptions
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);

    /// <summary>How often expired leases are looked for.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>Runs rescued per pass.</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>
    /// After the database was unreachable, how long the rescuer waits before rescuing again. During an outage no
    /// lease can be renewed, so every lease may have expired when the database returns; within this grace the nodes
    /// still running those runs renew them (the dispatcher renews every third of its 30 s run lease), and only the
    /// runs of holders that really died are rescued. Without it, a run still executing on a healthy node would be
    /// queued again (or marked lost) just because the database blinked.
    /// </summary>
    public TimeSpan ReconnectGrace { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Finds running runs whose lease expired (their node or worker died mid-run): at-least-once runs go back to the queue
/// and run again with the same idempotency key; at-most-once runs become <c>lost</c> and are never relaunched.
/// </summary>
public sealed partial class RunRescuer(
    IStorageDriver storage,
    EngineSignals signals,
    TimeProvider time,
    IOptions<RunRescuerOptions> options,
    ILogger<RunRescuer> logger,
    Observability.RunEvents? events = null) : BackgroundService
{
    private readonly Observability.FailureThrottle _failures = new(time);
    private DateTimeOffset? _unreachableSince;
    private DateTimeOffset? _reachableAgainAt;

    /// <summary>
    /// One pass. Tests call it directly. A pass that fails (the database is unreachable) starts a reconnect grace:
    /// the passes after it only check that the database answers until <see cref="RunRescuerOptions.ReconnectGrace"/>
    /// has passed since it answered again.
    /// </summary>
    public async Task<RescueRunsResult> RunOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            if (_unreachableSince is not null)
            {
                await storage.GetStatusAsync(cancellationToken).ConfigureAwait(false);
                var now = time.GetUtcNow();
                _reachableAgainAt ??= now;
                if (now - _reachableAgainAt < options.Value.ReconnectGrace)
                {
                    return new RescueRunsResult(0, 0);
                }

                _unreachableSince = null;
                _reachableAgainAt = null;
            }

            return await RescueAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unreachableSince ??= time.GetUtcNow();
            _reachableAgainAt = null;
            throw;
        }
    }

    private async Task<RescueRunsResult> RescueAsync(CancellationToken cancellationToken)
    {
        var result = await storage.RescueRunsAsync(new RescueRunsParams(options.Value.BatchSize), cancellationToken).ConfigureAwait(false);
        if (result.Requeued > 0 || result.Lost > 0)
        {
            LogRescued(logger, result.Requeued, result.Lost);
            events?.Rescued(result.Runs);
            signals.WakeDispatcher();
        }

        return result;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                Observability.OutageLog.Recovered(logger, _failures, "The rescuer");
                await Task.Delay(options.Value.Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A loop logs and continues on any error.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_failures.Failed())
                {
                    LogFailed(logger, e);
                }

                await Task.Delay(options.Value.Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    [LoggerMessage(EventId = 1300, Level = LogLevel.Warning, Message = "Rescued runs whose lease expired: {Requeued} queued again, {Lost} lost (at most once)")]
    private static partial void LogRescued(ILogger logger, int requeued, int lost);

    [LoggerMessage(EventId = 1301, Level = LogLevel.Error, Message = "Rescue pass failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
