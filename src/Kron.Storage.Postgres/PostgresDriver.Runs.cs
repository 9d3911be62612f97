using System.Data;
using Kron.Core.Model;
using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Runs: Sql/runs.sql.</summary>
public sealed partial class PostgresDriver
{
    /// <inheritdoc/>
    public Task<InsertRunResult> InsertRunAsync(InsertRunParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var run = parameters.Run;
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var batch = Batch(
                    connection,
                    Statement(SqlQueries.RunInsert, p => RunRows.Bind(p, run)),
                    Statement(SqlQueries.RunReadyHint, p => p.Text("id", run.Id)));
                await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                return new InsertRunResult(batch.BatchCommands[0].RecordsAffected == 1);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ClaimRunsResult> ClaimRunsAsync(ClaimRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Owner, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseDuration, TimeSpan.Zero);

        async Task<ClaimRunsResult> ClaimAsync(NpgsqlConnection connection, int[]? shards, CancellationToken ct)
        {
            using var claim = Command(connection, SqlQueries.RunClaim, p => p
                .IntegerArray("shards", shards)
                .Text("owner", parameters.Owner)
                .Instant("now", parameters.Now)
                .Duration("lease_duration", parameters.LeaseDuration)
                .Integer("limit", parameters.Limit));
            var runs = await ReadRunsAsync(claim, ct).ConfigureAwait(false);

            // RETURNING has no order; hand the runs out in claiming order.
            return new ClaimRunsResult([.. runs
                .OrderByDescending(r => r.Priority)
                .ThenBy(r => r.ReadyAt)
                .ThenBy(r => r.Id, StringComparer.Ordinal)]);
        }

        if (parameters.Fence is null)
        {
            return ConnectionAsync((connection, ct) => ClaimAsync(connection, null, ct), cancellationToken);
        }

        return TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                var shards = await LockFenceAsync(connection, parameters.Fence, parameters.Now, ct).ConfigureAwait(false);
                return shards is { Length: 0 } ? new ClaimRunsResult([]) : await ClaimAsync(connection, shards, ct).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StartRunsResult> StartRunsAsync(StartRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Leases.Count == 0)
        {
            return Task.FromResult(new StartRunsResult([]));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                // Run order: the same lock order as completions and lease renewals of these runs.
                var order = RunOrder(parameters.Leases, l => l.RunId);
                using var start = Command(connection, SqlQueries.RunStartMany, p => p
                    .TextArray("ids", order.Select(i => parameters.Leases[i].RunId))
                    .TextArray("lease_tokens", order.Select(i => parameters.Leases[i].LeaseToken))
                    .Instant("now", parameters.Now));
                var reader = await start.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await StartedRuns.ReadAsync(reader, parameters.Leases, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ExtendLeasesResult> ExtendLeasesAsync(ExtendLeasesParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseDuration, TimeSpan.Zero);
        if (parameters.Leases.Count == 0)
        {
            return Task.FromResult(new ExtendLeasesResult([]));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                // Run order, not the caller's: statements that lock several runs take the locks in one order (no
                // deadlock with a concurrent completion of the same runs). Results go back to the caller's order.
                var order = RunOrder(parameters.Leases, l => l.RunId);
                using var batch = Batch(connection, order.Select(i => Statement(SqlQueries.RunExtendLease, p => p
                    .Text("id", parameters.Leases[i].RunId)
                    .Text("lease_token", parameters.Leases[i].LeaseToken)
                    .Instant("now", parameters.Now)
                    .Duration("lease_duration", parameters.LeaseDuration))));
                if (parameters.Worker is not null)
                {
                    batch.BatchCommands.Add(Statement(SqlQueries.WorkerTouch, p => p.Text("name", parameters.Worker).Instant("now", parameters.Now)));
                }

                // RETURNING cancel_requested: no row, not extended; a row, extended, and true if asked to stop.
                var answers = new bool?[parameters.Leases.Count];
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    foreach (var i in order)
                    {
                        if (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            answers[i] = reader.GetBoolean(0);
                        }

                        await reader.NextResultAsync(ct).ConfigureAwait(false);
                    }
                }

                var extended = new List<string>();
                var cancelRequested = new List<string>();
                for (var i = 0; i < answers.Length; i++)
                {
                    if (answers[i] is { } requested)
                    {
                        extended.Add(parameters.Leases[i].RunId);
                        if (requested)
                        {
                            cancelRequested.Add(parameters.Leases[i].RunId);
                        }
                    }
                }

                return new ExtendLeasesResult(extended) { CancelRequested = cancelRequested };
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A completion's state is <see cref="RunState.Running"/>, or it has a
    /// <c>RetryAt</c> without being a retry. Nothing is written then.</exception>
    public Task<CompleteRunsResult> CompleteRunsAsync(CompleteRunsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        if (parameters.Completions.Count == 0)
        {
            return Task.FromResult(new CompleteRunsResult([]));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                // Run order (stable: a run's completions keep theirs), for the same reason as ExtendLeasesAsync.
                var order = RunOrder(parameters.Completions, c => c.RunId);
                var completions = parameters.Completions;

                // Final outcomes in one set-based statement when each run appears once; retries one statement each.
                var distinct = AllDistinct(order, completions, static c => c.RunId);
                var many = distinct ? order.Where(i => completions[i].State != RunState.Queued).ToArray() : [];
                var single = distinct ? [.. order.Where(i => completions[i].State == RunState.Queued)] : order;
                var statements = single.Select(i =>
                {
                    var completion = completions[i];
                    return Statement(completion.State == RunState.Queued ? SqlQueries.RunRetry : SqlQueries.RunComplete, p => p
                        .Text("id", completion.RunId)
                        .Text("lease_token", completion.LeaseToken)
                        .Wire("state", completion.State)
                        .Instant("now", parameters.Now)
                        .Instant("ready_at", completion.RetryAt)
                        .Integer("exit_code", completion.ExitCode)
                        .Integer("http_status", completion.HttpStatus)
                        .Text("error", completion.Error)
                        .Text("output", completion.Output)
                        .Integer("attempt_step", completion.KeepAttempt ? 0 : 1)
                        .Instant("started_at", completion.StartedAt));
                }).ToList();
                if (many.Length > 0)
                {
                    statements.Insert(0, Statement(SqlQueries.RunCompleteMany, p => p
                        .TextArray("ids", many.Select(i => completions[i].RunId))
                        .TextArray("lease_tokens", many.Select(i => completions[i].LeaseToken))
                        .TextArray("states", many.Select(i => WireEnums.Name(completions[i].State)))
                        .NullableIntegerArray("exit_codes", many.Select(i => completions[i].ExitCode))
                        .NullableIntegerArray("http_statuses", many.Select(i => completions[i].HttpStatus))
                        .NullableTextArray("errors", many.Select(i => completions[i].Error))
                        .NullableTextArray("outputs", many.Select(i => completions[i].Output))
                        .InstantArray("started_ats", many.Select(i => completions[i].StartedAt))
                        .Instant("now", parameters.Now)));
                }

                using var batch = Batch(connection, statements);
                var accepted = new bool[completions.Count];
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // The positions of the completions accepted in the arrays (in run id order), from 1.
                    while (many.Length > 0 && await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        accepted[many[reader.GetInt64(0) - 1]] = true;
                    }

                    while (await reader.NextResultAsync(ct).ConfigureAwait(false))
                    {
                    }
                }

                var offset = many.Length > 0 ? 1 : 0;
                for (var k = 0; k < single.Length; k++)
                {
                    accepted[single[k]] = batch.BatchCommands[k + offset].RecordsAffected == 1;
                }

                return new CompleteRunsResult(accepted);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RescueRunsResult> RescueRunsAsync(RescueRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var rescue = Command(connection, SqlQueries.RunRescue, p => p
                    .Instant("now", parameters.Now)
                    .Text("owner", parameters.Owner)
                    .Boolean("prepared_only", parameters.PreparedOnly)
                    .Integer("limit", parameters.Limit));
                var reader = await rescue.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await RescuedRuns.CountAsync(reader, ct).ConfigureAwait(false);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<RunRecord?> GetRunAsync(GetRunParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, SqlQueries.RunGet, p => p.Text("id", parameters.Id));
                return (await ReadRunsAsync(get, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListRunsResult> ListRunsAsync(ListRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                // Separate queries rather than one with "@x IS NULL OR" filters: each one seeks its own index.
                using var list = parameters switch
                {
                    { JobId: not null } => Command(connection, SqlQueries.RunListByJob, p => p.Text("job_id", parameters.JobId).NullableWire("state", parameters.State)),
                    { Queue: not null } => Command(connection, SqlQueries.RunListByQueue, p => p.Text("queue", parameters.Queue).NullableWire("state", parameters.State)),
                    { State: not null } => Command(connection, SqlQueries.RunListByState, p => p.NullableWire("state", parameters.State)),
                    _ => Command(connection, SqlQueries.RunList, _ => { }),
                };
                list.Parameters.Text("cursor", parameters.Cursor ?? AboveEveryId).Integer("limit", parameters.Limit + 1);
                var rows = await ReadRunsAsync(list, ct).ConfigureAwait(false);
                var (items, next) = KeysetPage.Cut(rows, parameters.Limit, r => r.Id);
                return new ListRunsResult(items, next);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<CountRunsResult> CountRunsAsync(CountRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var count = Command(connection, SqlQueries.RunCount, _ => { });
                using var reader = await count.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await reader.ReadAsync(ct).ConfigureAwait(false);
                return new CountRunsResult(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<DeleteFinishedRunsResult> DeleteFinishedRunsAsync(DeleteFinishedRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var delete = Command(connection, SqlQueries.RunDeleteFinished, p => p
                    .Instant("finished_before", parameters.FinishedBefore)
                    .Integer("limit", parameters.Limit));
                return new DeleteFinishedRunsResult(await delete.ExecuteNonQueryAsync(ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <summary>The indexes of <paramref name="items"/> sorted by run id, stably.</summary>
    private static int[] RunOrder<T>(IReadOnlyList<T> items, Func<T, string> runId) =>
        [.. Enumerable.Range(0, items.Count).OrderBy(i => runId(items[i]), StringComparer.Ordinal)];

    /// <summary>Whether no id appears twice, given the items' order by id (equal ids are neighbours): no set needed.</summary>
    private static bool AllDistinct<T>(int[] orderById, IReadOnlyList<T> items, Func<T, string> id)
    {
        for (var i = 1; i < orderById.Length; i++)
        {
            if (string.Equals(id(items[orderById[i - 1]]), id(items[orderById[i]]), StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<List<RunRecord>> ReadRunsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await RunRows.ReadAllAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }
}
