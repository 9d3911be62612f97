using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// Nodes and shard leases: Sql/cluster.sql. An embedded node holds all 256 shards through the same leases as a
/// PostgreSQL cluster, so the engine has one code path. The single writer makes each operation atomic.
/// </summary>
public sealed partial class SqliteDriver
{
    /// <inheritdoc/>
    public Task<ClusterView> HeartbeatNodeAsync(HeartbeatNodeParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.NodeId, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseTtl, TimeSpan.Zero);
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                await ExecuteAsync(
                    Command(transaction, SqlQueries.NodeUpsert)
                        .Bind("@id", parameters.NodeId)
                        .Bind("@address", parameters.Address)
                        .Bind("@version", parameters.Version)
                        .Bind("@started_at", Microseconds.FromInstant(parameters.StartedAt))
                        .Bind("@now", Microseconds.FromInstant(now)),
                    ct).ConfigureAwait(false);
                await ExecuteAsync(
                    Command(transaction, SqlQueries.ShardRenew)
                        .Bind("@owner", parameters.NodeId)
                        .Bind("@now", Microseconds.FromInstant(now))
                        .Bind("@expires_at", Microseconds.FromInstant(now + parameters.LeaseTtl)),
                    ct).ConfigureAwait(false);
                return await ReadClusterAsync(transaction.Connection!, transaction, now, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ClusterView> GetClusterAsync(GetClusterParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var now = NowOr(parameters.Now);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction(deferred: true);
                return await ReadClusterAsync(connection, transaction, now, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<AcquireShardsResult> AcquireShardsAsync(AcquireShardsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.NodeId, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegative(parameters.Limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseTtl, TimeSpan.Zero);
        var now = Microseconds.FromInstant(NowOr(parameters.Now));
        if (parameters.Limit == 0)
        {
            return Task.FromResult(new AcquireShardsResult([], 0, 0, 0));
        }

        return WriteAsync(
            async (transaction, ct) =>
            {
                // The previous owners first: RETURNING only shows the new row.
                var previous = new Dictionary<int, string?>();
                using (var acquirable = Command(transaction, SqlQueries.ShardAcquirable)
                    .Bind("@now", now)
                    .Bind("@limit", parameters.Limit)
                    .Bind("@owner", parameters.NodeId)
                    .Bind("@take_over", parameters.TakeOver ? 1 : 0))
                {
                    var reader = await acquirable.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            previous[reader.GetInt32(0)] = reader.IsDBNull(1) ? null : reader.GetString(1);
                        }
                    }
                }

                List<ShardLease> acquired;
                using (var acquire = Command(transaction, SqlQueries.ShardAcquire)
                    .Bind("@owner", parameters.NodeId)
                    .Bind("@expires_at", now + Microseconds.FromDuration(parameters.LeaseTtl))
                    .Bind("@shards", JsonStringArray.WriteIntegers(previous.Keys)))
                {
                    acquired = await ReadShardLeasesAsync(acquire, ct).ConfigureAwait(false);
                }

                var takenOver = 0;
                var runs = new List<RescuedRun>();
                using var rescue = Command(transaction, SqlQueries.ShardRescueRuns);
                foreach (var lease in acquired)
                {
                    if (previous.GetValueOrDefault(lease.Shard) is not { } owner || owner == parameters.NodeId)
                    {
                        continue;
                    }

                    takenOver++;
                    rescue.Rebind(p => p
                        .Bind("@shard", lease.Shard)
                        .Bind("@previous_owner", owner)
                        .Bind("@owner", parameters.NodeId)
                        .Bind("@now", now));
                    var reader = await rescue.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        runs.AddRange((await RescuedRuns.CountAsync(reader, ct).ConfigureAwait(false)).Runs);
                    }
                }

                var rescued = RescuedRuns.Of(runs);
                return new AcquireShardsResult([.. acquired.OrderBy(l => l.Shard)], takenOver, rescued.Requeued, rescued.Lost) { Rescued = runs };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ReleaseShardsResult> ReleaseShardsAsync(ReleaseShardsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var release = Command(transaction, SqlQueries.ShardRelease)
                    .Bind("@owner", parameters.NodeId)
                    .Bind("@now", Microseconds.FromInstant(now))
                    .Bind("@shards", JsonStringArray.WriteIntegers(parameters.Shards));
                return new ReleaseShardsResult(await ExecuteAsync(release, ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<LeaveClusterResult> LeaveClusterAsync(LeaveClusterParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var released = await ExecuteAsync(
                    Command(transaction, SqlQueries.ShardReleaseAll).Bind("@owner", parameters.NodeId).Bind("@now", Microseconds.FromInstant(now)),
                    ct).ConfigureAwait(false);
                await ExecuteAsync(Command(transaction, SqlQueries.NodeDelete).Bind("@id", parameters.NodeId), ct).ConfigureAwait(false);
                return new LeaveClusterResult(released);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ForgetNodesResult> ForgetNodesAsync(ForgetNodesParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var forget = Command(transaction, SqlQueries.NodeForget).Bind("@heartbeat_before", Microseconds.FromInstant(parameters.HeartbeatBefore));
                return new ForgetNodesResult(await ExecuteAsync(forget, ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <summary>
    /// The shards a fenced write may act on, as the JSON array its SQL reads: the fence's shards whose lease is held by
    /// the fence's owner with the same epoch and not expired. Null when the write is not fenced. Read inside the write
    /// transaction: the single writer keeps it true until commit.
    /// </summary>
    private static async Task<string?> FencedShardsAsync(SqliteTransaction transaction, ShardFence? fence, long now, CancellationToken cancellationToken)
    {
        if (fence is null)
        {
            return null;
        }

        var held = new Dictionary<int, long>();
        using (var query = Command(transaction, SqlQueries.ShardHeld).Bind("@owner", fence.Owner).Bind("@now", now))
        {
            var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    held[reader.GetInt32(0)] = reader.GetInt64(1);
                }
            }
        }

        return JsonStringArray.WriteIntegers(fence.Shards.Where(s => held.TryGetValue(s.Shard, out var epoch) && epoch == s.Epoch).Select(s => s.Shard));
    }

    private static async Task<ClusterView> ReadClusterAsync(SqliteConnection connection, SqliteTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var nodes = new List<NodeRecord>();
        using (var list = Command(connection, transaction, SqlQueries.NodeList))
        {
            var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                var row = new RowReader(reader);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    nodes.Add(RecordColumns.Node(row));
                }
            }
        }

        using var shards = Command(connection, transaction, SqlQueries.ShardList);
        return new ClusterView(now, nodes, await ReadShardLeasesAsync(shards, cancellationToken).ConfigureAwait(false));
    }

    private static async Task<List<ShardLease>> ReadShardLeasesAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var leases = new List<ShardLease>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                leases.Add(RecordColumns.ShardLease(row));
            }
        }

        return leases;
    }
}
