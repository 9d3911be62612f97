using System.Data;
using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// Nodes and shard leases: Sql/cluster.sql. The lease rows are the arbiter between nodes: acquiring takes them with
/// <c>FOR UPDATE SKIP LOCKED</c>, every fenced write share-locks the ones it relies on until it commits.
/// </summary>
public sealed partial class PostgresDriver
{
    /// <inheritdoc/>
    public Task<ClusterView> HeartbeatNodeAsync(HeartbeatNodeParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.NodeId, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseTtl, TimeSpan.Zero);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var batch = Batch(
                    connection,
                    [
                        Statement(SqlQueries.NodeUpsert, p => p
                            .Text("id", parameters.NodeId)
                            .Text("address", parameters.Address)
                            .Text("version", parameters.Version)
                            .Instant("started_at", parameters.StartedAt)
                            .Instant("now", parameters.Now)),
                        Statement(SqlQueries.ShardRenew, p => p
                            .Text("owner", parameters.NodeId)
                            .Instant("now", parameters.Now)
                            .Duration("lease_ttl", parameters.LeaseTtl)),
                        .. ClusterReads(parameters.Now),
                    ]);
                return await ReadClusterAsync(batch, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ClusterView> GetClusterAsync(GetClusterParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return TransactionAsync(
            // One snapshot: the clock, the nodes and the shard map as of the same instant.
            IsolationLevel.RepeatableRead,
            async (connection, ct) =>
            {
                using var batch = Batch(connection, ClusterReads(parameters.Now));
                return await ReadClusterAsync(batch, ct).ConfigureAwait(false);
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
        if (parameters.Limit == 0)
        {
            return Task.FromResult(new AcquireShardsResult([], 0, 0, 0));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                // One statement: acquire, and rescue the runs of the shards taken over, atomically.
                using var acquire = Command(connection, SqlQueries.ShardAcquire, p => p
                    .Text("owner", parameters.NodeId)
                    .Instant("now", parameters.Now)
                    .Duration("lease_ttl", parameters.LeaseTtl)
                    .Integer("limit", parameters.Limit)
                    .Boolean("take_over", parameters.TakeOver));
                var acquired = new List<ShardLease>();
                int takenOver = 0, requeued = 0, lost = 0;
                var rescued = new List<RescuedRun>();
                var reader = await acquire.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var row = new RowReader(reader);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        acquired.Add(RecordColumns.ShardLease(row));
                        takenOver += row.Boolean("taken_over") ? 1 : 0;
                        requeued += row.Int32("requeued");
                        lost += row.Int32("lost");
                        rescued.AddRange(RescuedRunsJson(row.String("rescued_runs")));
                    }
                }

                return new AcquireShardsResult(acquired, takenOver, requeued, lost) { Rescued = rescued };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ReleaseShardsResult> ReleaseShardsAsync(ReleaseShardsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Shards.Count == 0)
        {
            return Task.FromResult(new ReleaseShardsResult(0));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var release = Command(connection, SqlQueries.ShardRelease, p => p
                    .Text("owner", parameters.NodeId)
                    .IntegerArray("shards", parameters.Shards)
                    .Instant("now", parameters.Now));
                return new ReleaseShardsResult(await release.ExecuteNonQueryAsync(ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<LeaveClusterResult> LeaveClusterAsync(LeaveClusterParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var batch = Batch(
                    connection,
                    Statement(SqlQueries.ShardReleaseAll, p => p.Text("owner", parameters.NodeId).Instant("now", parameters.Now)),
                    Statement(SqlQueries.NodeDelete, p => p.Text("id", parameters.NodeId)));
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return new LeaveClusterResult(batch.BatchCommands[0].RecordsAffected);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ForgetNodesResult> ForgetNodesAsync(ForgetNodesParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var forget = Command(connection, SqlQueries.NodeForget, p => p.Instant("heartbeat_before", parameters.HeartbeatBefore));
                return new ForgetNodesResult(await forget.ExecuteNonQueryAsync(ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <summary>
    /// The first statement of a fenced write, in its transaction: the fence's shards still held by the fence's owner
    /// with the same epoch and not expired, share-locked until the transaction ends so that no takeover or release
    /// can change them before the write commits. Null when the write is not fenced; empty when nothing is held.
    /// </summary>
    private static async Task<int[]?> LockFenceAsync(NpgsqlConnection connection, ShardFence? fence, DateTimeOffset? now, CancellationToken cancellationToken)
    {
        if (fence is null)
        {
            return null;
        }

        if (fence.Shards.Count == 0)
        {
            return [];
        }

        using var query = Command(connection, SqlQueries.ShardFenceLock, p => p
            .Text("owner", fence.Owner)
            .IntegerArray("shards", fence.Shards.Select(s => s.Shard))
            .BigIntArray("epochs", fence.Shards.Select(s => s.Epoch))
            .Instant("now", now));
        var held = new List<int>();
        var reader = await query.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                held.Add(reader.GetInt32(0));
            }
        }

        return [.. held];
    }

    /// <summary>The reads of a <see cref="ClusterView"/>: the clock, the nodes, the shard map.</summary>
    private static NpgsqlBatchCommand[] ClusterReads(DateTimeOffset? now) =>
    [
        Statement(SqlQueries.ClockNow, p => p.Instant("now", now)),
        Statement(SqlQueries.NodeList),
        Statement(SqlQueries.ShardList),
    ];

    /// <summary>
    /// Runs a batch that ends with <see cref="ClusterReads"/>; statements before them return no rows (the reader passes
    /// over statements without a result set).
    /// </summary>
    private static async Task<ClusterView> ReadClusterAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var now = RowReader.ToInstant(reader.GetFieldValue<DateTime>(0));

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var nodes = new List<NodeRecord>();
            var row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                nodes.Add(RecordColumns.Node(row));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            var shards = new List<ShardLease>(Shards.Count);
            row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                shards.Add(RecordColumns.ShardLease(row));
            }

            return new ClusterView(now, nodes, shards);
        }
    }

    /// <summary>The runs a takeover rescued in one shard: a JSON array of [state, id, job_id, attempt, error] arrays.</summary>
    private static IEnumerable<RescuedRun> RescuedRunsJson(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(run => new RescuedRun(
            run[1].GetString()!,
            run[2].GetString()!,
            WireEnums.Parse<Kron.Core.Model.RunState>(run[0].GetString()!, "state"),
            run[3].GetInt32(),
            run[4].ValueKind == System.Text.Json.JsonValueKind.Null ? null : run[4].GetString()))];
    }
}
