using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kron.Engine.Cluster;

/// <summary>
/// Turns the storage's hints (PostgreSQL NOTIFY from another node) into local wake-ups for the shards this node owns:
/// a job registered on any node for "now + 1 s" wakes its owner's trigger at once. Only latency depends on it; the
/// trigger's and dispatcher's periodic scans are the guarantee.
/// </summary>
public sealed partial class StorageHintListener(
    IStorageDriver storage,
    ShardOwnership ownership,
    EngineSignals signals,
    ILogger<StorageHintListener> logger) : BackgroundService
{
    /// <summary>Acts on one hint: wakes the trigger or the dispatcher if this node owns the hint's shard.</summary>
    public void Handle(StorageHint hint)
    {
        if (!ownership.Owns(hint.Shard))
        {
            return;
        }

        if (hint.Kind == StorageHintKind.JobChanged)
        {
            signals.WakeTrigger(hint.Shard);
        }
        else
        {
            signals.WakeDispatcher();
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ownership.IsExclusive || storage is not IStorageHints hints)
        {
            return;
        }

        try
        {
            await foreach (var hint in hints.ListenAsync(stoppingToken).ConfigureAwait(false))
            {
                Handle(hint);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
#pragma warning disable CA1031 // Hints only cut latency: without them the scans still run.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogListenFailed(logger, e);
        }
    }

    [LoggerMessage(EventId = 1510, Level = LogLevel.Warning, Message = "Listening for storage hints stopped; wake-ups fall back to the periodic scans")]
    private static partial void LogListenFailed(ILogger logger, Exception exception);
}
