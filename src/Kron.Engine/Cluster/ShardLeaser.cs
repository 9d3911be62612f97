using Kron.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Cluster;

/// <summary>
/// Keeps this node's fair share of the shards (DESIGN §3). Each heartbeat, in one round trip, records the node as
/// alive and renews the leases it still holds (database clock); then the node counts the live nodes, gives back
/// shards above its share (ceil(S / live)) at once, and acquires free or expired ones up to it. A shard acquired from
/// a node whose lease expired is a takeover: the database rescues that node's running runs there in the same
/// transaction. What the node holds is published to <see cref="ShardOwnership"/> with a local deadline a margin before
/// the database's expiry, so a node that cannot renew stops acting on its shards before anyone can take them.
/// A stopping node hands every shard back at once. In exclusive mode (embedded SQLite) it does nothing.
/// </summary>
public sealed partial class ShardLeaser(
    IStorageDriver storage,
    ShardOwnership ownership,
    EngineSignals signals,
    TimeProvider time,
    IOptions<ShardLeaserOptions> options,
    IOptions<NodeOptions> node,
    ILogger<ShardLeaser> logger,
    DatabaseClock? clock = null,
    Observability.RunEvents? events = null) : BackgroundService
{
    private readonly ShardLeaserOptions _options = options.Value;
    private readonly string _nodeId = node.Value.NodeId;
    private readonly NodeOptions _node = node.Value;
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private long _lastForget;
    private bool _unreachable;
    private long? _reconnectedAt;
    private long? _lastHeartbeat;
    private readonly Observability.FailureThrottle _failures = new(time);

    /// <summary>
    /// How long ago the last heartbeat reached the database (null: none yet). A node whose heartbeat works holds its
    /// shards or acquires them at the next rebalance; one whose heartbeat fails stops acting on them within the TTL.
    /// </summary>
    public TimeSpan? SinceLastHeartbeat => _lastHeartbeat is { } last ? time.GetElapsedTime(last) : null;

    /// <summary>The lease TTL this leaser renews with.</summary>
    public TimeSpan LeaseTtl => _options.LeaseTtl;

    /// <summary>
    /// One heartbeat: renew, rebalance, publish. Tests call it directly. After a heartbeat failed (the database was
    /// unreachable, so every node's leases may have expired meanwhile), the node takes back only its own and released
    /// shards for <see cref="ShardLeaserOptions.ReconnectGrace"/>: the other nodes, if alive, re-acquire theirs in that
    /// time instead of losing them, with their running runs, to whichever node reconnected first.
    /// </summary>
    public async Task<LeaserPass> RunOnceAsync(CancellationToken cancellationToken)
    {
        var sentTimestamp = time.GetTimestamp();
        var sentAt = clock?.InnerNow();
        ClusterView view;
        try
        {
            using (events?.Metrics.Time("heartbeat_node"))
            {
                view = await storage.HeartbeatNodeAsync(
                    new HeartbeatNodeParams(_nodeId, _node.Address, NodeVersion.Current, _startedAt, _options.LeaseTtl), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unreachable = true;
            throw;
        }

        _lastHeartbeat = sentTimestamp;
        if (_unreachable)
        {
            _unreachable = false;
            _reconnectedAt = sentTimestamp;
        }

        var takeOver = _reconnectedAt is not { } reconnected || time.GetElapsedTime(reconnected) >= _options.ReconnectGrace;
        if (takeOver)
        {
            _reconnectedAt = null;
        }

        if (clock is not null && sentAt is { } sent)
        {
            clock.Observe(view.Now, sent, clock.InnerNow());
        }

        var held = view.Shards.Where(s => s.Owner == _nodeId && s.ExpiresAt > view.Now).ToList();
        var live = Math.Max(1, view.Nodes.Count(n => n.Id == _nodeId || n.HeartbeatAt > view.Now - _options.LeaseTtl));
        var share = (Shards.Count + live - 1) / live;
        var deadline = sentTimestamp + ToTimestampTicks(_options.LeaseTtl - _options.SelfFenceMargin);
        var published = held.Select(s => new HeldShard(s.Shard, s.Epoch, deadline)).ToList();
        ownership.Publish(published);

        var released = 0;
        AcquireShardsResult? acquired = null;
        if (held.Count > share)
        {
            // Stop acting on them first; the release waits in the database for a fenced write still in flight.
            var extra = held.OrderByDescending(s => s.Shard).Take(held.Count - share).Select(s => s.Shard).ToList();
            ownership.Drop(extra);
            released = (await storage.ReleaseShardsAsync(new ReleaseShardsParams(_nodeId, extra), cancellationToken).ConfigureAwait(false)).Released;
            LogReleased(logger, released, share, live);
        }
        else if (held.Count < share && view.Shards.Any(s => s.Owner is null || s.ExpiresAt <= view.Now))
        {
            var acquireTimestamp = time.GetTimestamp();
            acquired = await storage.AcquireShardsAsync(
                new AcquireShardsParams(_nodeId, share - held.Count, _options.LeaseTtl, TakeOver: takeOver), cancellationToken).ConfigureAwait(false);
            if (acquired.Acquired.Count > 0)
            {
                var acquiredDeadline = acquireTimestamp + ToTimestampTicks(_options.LeaseTtl - _options.SelfFenceMargin);
                ownership.Publish(published.Concat(acquired.Acquired.Select(s => new HeldShard(s.Shard, s.Epoch, acquiredDeadline))));
                LogAcquired(logger, acquired.Acquired.Count, acquired.TakenOver, acquired.Requeued, acquired.Lost, share, live);
                events?.Metrics.ShardsTakenOver(acquired.TakenOver);
                events?.Rescued(acquired.Rescued);
                signals.WakeTrigger();
                signals.WakeDispatcher();
            }
        }

        await ForgetSilentNodesAsync(cancellationToken).ConfigureAwait(false);
        return new LeaserPass(held.Count + (acquired?.Acquired.Count ?? 0) - released, acquired?.Acquired.Count ?? 0, released, acquired?.TakenOver ?? 0, live);
    }

    /// <inheritdoc />
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!ownership.IsExclusive)
        {
            // Hold a share before the trigger and dispatcher start, so the first pass already has work.
            try
            {
                await RunOnceAsync(cancellationToken).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // The loop retries; a node must start even when the database blinks.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                LogHeartbeatFailed(logger, e);
            }
        }

        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        if (ownership.IsExclusive)
        {
            return;
        }

        ownership.Clear();
        try
        {
            var left = await storage.LeaveClusterAsync(new LeaveClusterParams(_nodeId), cancellationToken).ConfigureAwait(false);
            LogLeft(logger, left.Released);
        }
#pragma warning disable CA1031 // Stopping goes on: the leases expire by themselves.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogLeaveFailed(logger, e);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ownership.IsExclusive)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(_options.HeartbeatInterval, time, stoppingToken).ConfigureAwait(false);
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                Observability.OutageLog.Recovered(logger, _failures, "The shard heartbeat");
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed heartbeat is retried; the shards' deadlines fence the node meanwhile.
            catch (Exception e)
#pragma warning restore CA1031
            {
                if (_failures.Failed())
                {
                    LogHeartbeatFailed(logger, e);
                }
            }
        }
    }

    private async Task ForgetSilentNodesAsync(CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_lastForget != 0 && time.GetElapsedTime(_lastForget, now) < _options.ForgetNodesAfter / 10)
        {
            return;
        }

        _lastForget = now;
        await storage.ForgetNodesAsync(new ForgetNodesParams(time.GetUtcNow() - _options.ForgetNodesAfter), cancellationToken).ConfigureAwait(false);
    }

    private long ToTimestampTicks(TimeSpan duration) => (long)(duration.TotalSeconds * time.TimestampFrequency);

    [LoggerMessage(EventId = 1500, Level = LogLevel.Information, Message = "Acquired {Count} shards ({TakenOver} taken over from expired leases: {Requeued} runs queued again, {Lost} lost); share {Share} of {Live} live nodes")]
    private static partial void LogAcquired(ILogger logger, int count, int takenOver, int requeued, int lost, int share, int live);

    [LoggerMessage(EventId = 1501, Level = LogLevel.Information, Message = "Released {Count} shards to rebalance; share {Share} of {Live} live nodes")]
    private static partial void LogReleased(ILogger logger, int count, int share, int live);

    [LoggerMessage(EventId = 1502, Level = LogLevel.Warning, Message = "Heartbeat failed; shards not renewed in time stop being acted on")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1503, Level = LogLevel.Information, Message = "Left the cluster: {Count} shards handed back")]
    private static partial void LogLeft(ILogger logger, int count);

    [LoggerMessage(EventId = 1504, Level = LogLevel.Warning, Message = "Leaving the cluster failed; the shards will be taken over when their leases expire")]
    private static partial void LogLeaveFailed(ILogger logger, Exception exception);
}

/// <summary>What one heartbeat did: shards held after it, acquired, released, taken over, and the live nodes counted.</summary>
public sealed record LeaserPass(int Held, int Acquired, int Released, int TakenOver, int LiveNodes);
