using System.Data;
using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// Queues and workers: Sql/queues.sql. Leases of a queue with a limit are serialized across nodes by an advisory lock
/// on the queue's name; leases of unlimited queues only meet at <c>FOR UPDATE SKIP LOCKED</c>.
/// </summary>
public sealed partial class PostgresDriver
{
    /// <inheritdoc/>
    public Task<LeaseQueueRunsResult> LeaseQueueRunsAsync(LeaseQueueRunsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);
        return TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                var limits = new Dictionary<string, int>(StringComparer.Ordinal);
                var leased = new Dictionary<string, long>(StringComparer.Ordinal);
                var statements = new List<NpgsqlBatchCommand> { Statement(SqlQueries.QueueLimits, p => p.TextArray("queues", parameters.Queues)) };
                if (parameters.RecordWorker)
                {
                    statements.Insert(0, Statement(SqlQueries.WorkerSeen, p => p.Text("name", parameters.Worker).TextArray("queues", parameters.Queues).Instant("now", parameters.Now)));
                }

                using (var batch = Batch(connection, statements))
                {
                    var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            limits[reader.GetString(0)] = reader.GetInt32(1);
                        }
                    }
                }

                if (limits.Count > 0)
                {
                    // After the locks: the counts see every lease of these queues committed before ours.
                    using var counts = Command(connection, SqlQueries.QueueLeasedCounts, p => p.TextArray("queues", limits.Keys));
                    var reader = await counts.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            leased[reader.GetString(0)] = reader.GetInt64(1);
                        }
                    }
                }

                var room = QueueBoard.Room(parameters.Queues, parameters.Limit, limits, leased);
                if (room.Count == 0)
                {
                    return new LeaseQueueRunsResult([]);
                }

                using var lease = Command(connection, SqlQueries.QueueLease, p => p
                    .TextArray("queues", room.Select(r => r.Queue))
                    .IntegerArray("rooms", room.Select(r => r.Room))
                    .Integer("limit", parameters.Limit)
                    .Text("owner", parameters.Worker)
                    .Instant("now", parameters.Now)
                    .Duration("lease_duration", parameters.LeaseDuration));
                return new LeaseQueueRunsResult(QueueBoard.InLeaseOrder(await ReadRunsAsync(lease, ct).ConfigureAwait(false)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListWorkersResult> ListWorkersAsync(ListWorkersParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return TransactionAsync(
            IsolationLevel.RepeatableRead,
            async (connection, ct) =>
            {
                var workers = new List<WorkerRecord>();
                using (var list = Command(connection, SqlQueries.WorkerList, p => p.Instant("seen_since", parameters.SeenSince)))
                {
                    var reader = await list.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        var row = new RowReader(reader);
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            workers.Add(new WorkerRecord(row.String("name"), row.StringArray("queues"), row.Instant("last_seen_at")));
                        }
                    }
                }

                using var held = Command(connection, SqlQueries.WorkerHeldRuns, _ => { });
                return new ListWorkersResult(QueueBoard.Workers(workers, await ReadRunsAsync(held, ct).ConfigureAwait(false)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListQueuesResult> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return TransactionAsync(
            IsolationLevel.RepeatableRead,
            async (connection, ct) => new ListQueuesResult(await ReadQueuesAsync(connection, ct).ConfigureAwait(false)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SetQueueLimitResult> SetQueueLimitAsync(SetQueueLimitParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);
        return TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                using (var set = Command(connection, SqlQueries.QueueSetLimit, p => p
                    .Text("name", parameters.Queue)
                    .Integer("max_leased", parameters.MaxLeased)
                    .Instant("now", parameters.Now)))
                {
                    await set.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                var queues = await ReadQueuesAsync(connection, ct).ConfigureAwait(false);
                return new SetQueueLimitResult(queues.Single(q => q.Name == parameters.Queue));
            },
            cancellationToken);
    }

    private static async Task<IReadOnlyList<QueueRecord>> ReadQueuesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var counts = new List<(string, long, long)>();
        var limits = new List<(string, int?)>();
        using var batch = Batch(connection, Statement(SqlQueries.QueueDepths), Statement(SqlQueries.QueueList));
        var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                counts.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                limits.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetInt32(1)));
            }
        }

        return QueueBoard.Queues(counts, limits);
    }
}
