using System.Globalization;
using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Queues and workers: Sql/queues.sql. The single writer makes "count the leased runs, lease more" atomic.</summary>
public sealed partial class SqliteDriver
{
    /// <inheritdoc/>
    public Task<LeaseQueueRunsResult> LeaseQueueRunsAsync(LeaseQueueRunsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);
        var now = Microseconds.FromInstant(NowOr(parameters.Now));
        var queues = JsonStringArray.Write(parameters.Queues);
        return WriteAsync(
            async (transaction, ct) =>
            {
                if (parameters.RecordWorker)
                {
                    await ExecuteAsync(
                        Command(transaction, SqlQueries.WorkerSeen).Bind("@name", parameters.Worker).Bind("@queues", queues).Bind("@now", now),
                        ct).ConfigureAwait(false);
                }

                var limits = new Dictionary<string, int>(StringComparer.Ordinal);
                using (var read = Command(transaction, SqlQueries.QueueLimits).Bind("@queues", queues))
                {
                    var reader = await read.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            limits[reader.GetString(0)] = checked((int)reader.GetInt64(1));
                        }
                    }
                }

                var leased = new Dictionary<string, long>(StringComparer.Ordinal);
                foreach (var queue in limits.Keys)
                {
                    using var count = Command(transaction, SqlQueries.QueueLeasedCount).Bind("@queue", queue);
                    leased[queue] = Convert.ToInt64(await count.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture);
                }

                var candidates = new List<(string, int, DateTimeOffset)>();
                foreach (var (queue, room) in QueueBoard.Room(parameters.Queues, parameters.Limit, limits, leased))
                {
                    using var ready = Command(transaction, SqlQueries.QueueReady).Bind("@queue", queue).Bind("@now", now).Bind("@limit", room);
                    var reader = await ready.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            candidates.Add((reader.GetString(0), checked((int)reader.GetInt64(1)), Microseconds.ToInstant(reader.GetInt64(2))));
                        }
                    }
                }

                var picked = QueueBoard.Pick(candidates, parameters.Limit);
                if (picked.Count == 0)
                {
                    return new LeaseQueueRunsResult([]);
                }

                using var lease = Command(transaction, SqlQueries.QueueLease)
                    .Bind("@ids", JsonStringArray.Write(picked))
                    .Bind("@owner", parameters.Worker)
                    .Bind("@now", now)
                    .Bind("@lease_expires_at", Microseconds.FromInstant(NowOr(parameters.Now) + parameters.LeaseDuration));
                return new LeaseQueueRunsResult(QueueBoard.InLeaseOrder(await RunRows.ReadAllAsync(lease, ct).ConfigureAwait(false)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListWorkersResult> ListWorkersAsync(ListWorkersParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction(deferred: true);
                var workers = new List<WorkerRecord>();
                using (var list = Command(connection, transaction, SqlQueries.WorkerList).Bind("@seen_since", Microseconds.FromInstant(parameters.SeenSince)))
                {
                    var reader = await list.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            workers.Add(new WorkerRecord(reader.GetString(0), JsonStringArray.Read(reader.GetString(1), "workers.queues"), Microseconds.ToInstant(reader.GetInt64(2))));
                        }
                    }
                }

                using var held = Command(connection, transaction, SqlQueries.WorkerHeldRuns);
                return new ListWorkersResult(QueueBoard.Workers(workers, await RunRows.ReadAllAsync(held, ct).ConfigureAwait(false)));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListQueuesResult> ListQueuesAsync(ListQueuesParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var transaction = connection.BeginTransaction(deferred: true);
                return new ListQueuesResult(await ReadQueuesAsync(connection, transaction, ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<SetQueueLimitResult> SetQueueLimitAsync(SetQueueLimitParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                await ExecuteAsync(
                    Command(transaction, SqlQueries.QueueSetLimit)
                        .Bind("@name", parameters.Queue)
                        .Bind("@max_leased", parameters.MaxLeased)
                        .Bind("@now", Microseconds.FromInstant(NowOr(parameters.Now))),
                    ct).ConfigureAwait(false);
                var queues = await ReadQueuesAsync(transaction.Connection!, transaction, ct).ConfigureAwait(false);
                return new SetQueueLimitResult(queues.Single(q => q.Name == parameters.Queue));
            },
            cancellationToken);
    }

    private static async Task<IReadOnlyList<QueueRecord>> ReadQueuesAsync(SqliteConnection connection, SqliteTransaction transaction, CancellationToken cancellationToken)
    {
        var counts = new List<(string, long, long)>();
        using (var depths = Command(connection, transaction, SqlQueries.QueueDepths))
        {
            var reader = await depths.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    counts.Add((reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2)));
                }
            }
        }

        var limits = new List<(string, int?)>();
        using (var list = Command(connection, transaction, SqlQueries.QueueList))
        {
            var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    limits.Add((reader.GetString(0), reader.IsDBNull(1) ? null : checked((int)reader.GetInt64(1))));
                }
            }
        }

        return QueueBoard.Queues(counts, limits);
    }
}
