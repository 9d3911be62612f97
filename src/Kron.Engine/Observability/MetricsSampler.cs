using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Observability;

/// <summary>
/// Reads what the database gauges show (runs queued, running and dead; worker queues) every
/// <see cref="MetricsSamplerOptions.SampleInterval"/> and publishes it to <see cref="KronMetrics"/>, so that a scrape
/// never waits on the database. Index-only counts; a failed read keeps the last snapshot.
/// </summary>
public sealed partial class MetricsSampler(
    IStorageDriver storage,
    KronMetrics metrics,
    TimeProvider time,
    IOptions<MetricsSamplerOptions> options,
    ILogger<MetricsSampler> logger) : BackgroundService
{
    private readonly MetricsSamplerOptions _options = options.Value;
    private bool _failing;

    /// <summary>One reading. Tests call it directly.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        CountRunsResult counts;
        ListQueuesResult queues;
        using (metrics.Time("count_runs"))
        {
            counts = await storage.CountRunsAsync(new CountRunsParams(), cancellationToken).ConfigureAwait(false);
        }

        using (metrics.Time("list_queues"))
        {
            queues = await storage.ListQueuesAsync(new ListQueuesParams(), cancellationToken).ConfigureAwait(false);
        }

        metrics.Publish(new StorageSnapshot(counts, queues.Queues));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                _failing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A loop logs and continues; the gauges keep their last reading.
            catch (Exception e)
#pragma warning restore CA1031
            {
                // One line when the database goes away, not one per interval while it stays away.
                if (!_failing)
                {
                    LogSampleFailed(logger, e.Message);
                    _failing = true;
                }
            }

            try
            {
                await Task.Delay(_options.SampleInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(EventId = 1800, Level = LogLevel.Warning, Message = "Reading run counts for the metrics failed ({Reason}); the gauges keep their last values until it works again")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}

/// <summary>Options of <see cref="MetricsSampler"/> (<c>Kron:Metrics</c>).</summary>
public sealed class MetricsSamplerOptions
{
    public static readonly TimeSpan DefaultSampleInterval = TimeSpan.FromSeconds(10);

    /// <summary>How often the database gauges are read. Default 10 s.</summary>
    public TimeSpan SampleInterval { get; set; } = DefaultSampleInterval;
}

/// <summary>Validates <see cref="MetricsSamplerOptions"/> at start.</summary>
public sealed class MetricsSamplerOptionsValidator : IValidateOptions<MetricsSamplerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, MetricsSamplerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.SampleInterval < TimeSpan.FromMilliseconds(100) || options.SampleInterval > TimeSpan.FromHours(1)
            ? ValidateOptionsResult.Fail($"Kron:Metrics:SampleInterval must be between 00:00:00.1 and 01:00:00, not {options.SampleInterval}")
            : ValidateOptionsResult.Success;
    }
}
