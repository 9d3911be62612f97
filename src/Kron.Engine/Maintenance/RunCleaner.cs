using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Maintenance;

/// <summary>Options of <see cref="RunCleaner"/>.</summary>
public sealed class RunCleanerOptions
{
    public static readonly TimeSpan DefaultRetention = TimeSpan.FromDays(7);
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(10);

    /// <summary>How long finished runs are kept.</summary>
    public TimeSpan Retention { get; set; } = DefaultRetention;

    /// <summary>How often old runs are pruned.</summary>
    public TimeSpan Interval { get; set; } = DefaultInterval;

    /// <summary>Runs deleted per statement, so that a large backlog never holds a long lock.</summary>
    public int BatchSize { get; set; } = 1000;
}

/// <summary>Prunes finished runs past retention, in small batches, to keep the hot tables small.</summary>
public sealed partial class RunCleaner(
    IStorageDriver storage,
    TimeProvider time,
    IOptions<RunCleanerOptions> options,
    ILogger<RunCleaner> logger) : BackgroundService
{
    /// <summary>One pass: deletes until a batch comes back short. Tests call it directly.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var bound = time.GetUtcNow() - options.Value.Retention;
        var total = 0;
        while (true)
        {
            var result = await storage.DeleteFinishedRunsAsync(new DeleteFinishedRunsParams(bound, options.Value.BatchSize), cancellationToken).ConfigureAwait(false);
            total += result.Deleted;
            if (result.Deleted < options.Value.BatchSize)
            {
                break;
            }
        }

        if (total > 0)
        {
            LogCleaned(logger, total);
        }

        return total;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A loop logs and continues on any error.
            catch (Exception e)
#pragma warning restore CA1031
            {
                LogFailed(logger, e);
            }

            try
            {
                await Task.Delay(options.Value.Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Information, Message = "Deleted {Count} finished runs past retention")]
    private static partial void LogCleaned(ILogger logger, int count);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Error, Message = "Cleaning pass failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
