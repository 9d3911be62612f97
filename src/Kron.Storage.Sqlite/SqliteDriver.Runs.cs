using System.Text.Json;
using Kron.Core.Model;
using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Runs: Sql/runs.sql.</summary>
public sealed partial class SqliteDriver
{
    /// <inheritdoc/>
    public Task<InsertRunResult> InsertRunAsync(InsertRunParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var inserted = await InsertRunsAsync(transaction, [parameters.Run], ct).ConfigureAwait(false);
                return new InsertRunResult(inserted[0]);
            },
            cancellationToken);
    }

    /// <summary>
    /// Inserts <paramref name="runs"/> with <c>RunInsert</c>, one statement per chunk of up to
    /// <see cref="JsonBatch.ChunkBytes"/> of JSON. Returns, per run, whether it was inserted: a run whose slot
    /// already has one is not.
    /// </summary>
    private async Task<bool[]> InsertRunsAsync(SqliteTransaction transaction, IReadOnlyList<RunRecord> runs, CancellationToken cancellationToken)
    {
        var batch = new JsonBatch(Command(transaction, SqlQueries.RunInsert), "@runs", _batchBuffer);
        await using (batch.ConfigureAwait(false))
        {
            return await batch.ExecuteAllAsync(runs, static r => r.Id, RunRows.WriteJson, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One completion as the JSON array that <c>RunComplete</c> (Sql/runs.sql) reads.</summary>
    private static void WriteCompletion(Utf8JsonWriter json, RunCompletion completion, DateTimeOffset now)
    {
        var retry = completion.State == RunState.Queued;
        json.WriteStartArray();
        json.WriteStringValue(completion.RunId);
        json.WriteStringValue(completion.LeaseToken);
        json.WriteStringValue(WireEnums.Name(completion.State));
        RunRows.WriteNullable(json, completion.ExitCode);
        RunRows.WriteNullable(json, completion.HttpStatus);
        RunRows.WriteNullable(json, completion.Error);
        RunRows.WriteNullable(json, completion.Output);
        RunRows.WriteNullable(json, Microseconds.FromInstant(completion.StartedAt));
        json.WriteNumberValue(Microseconds.FromInstant(completion.RetryAt ?? now));
        json.WriteNumberValue(completion.KeepAttempt ? 0 : 1);
        json.WriteNumberValue(retry ? 1 : 0);
        json.WriteEndArray();
    }

    /// <inheritdoc/>
    public Task<ClaimRunsResult> ClaimRunsAsync(ClaimRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Owner, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseDuration, TimeSpan.Zero);
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var shards = await FencedShardsAsync(transaction, parameters.Fence, Microseconds.FromInstant(now), ct).ConfigureAwait(false);
                using var claim = Command(transaction, SqlQueries.RunClaim)
                    .Bind("@shards", shards)
                    .Bind("@owner", parameters.Owner)
                    .Bind("@now", Microseconds.FromInstant(now))
                    .Bind("@lease_expires_at", Microseconds.FromInstant(now + parameters.LeaseDuration))
                    .Bind("@limit", parameters.Limit);
                var runs = await RunRows.ReadAllAsync(claim, ct).ConfigureAwait(false);

                // RETURNING has no order; hand the runs out in claiming order.
                return new ClaimRunsResult([.. runs
                    .OrderByDescending(r => r.Priority)
                    .ThenBy(r => r.ReadyAt)
                    .ThenBy(r => r.Id, StringComparer.Ordinal)]);
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

        var now = Microseconds.FromInstant(NowOr(parameters.Now));
        var leases = JsonSerializer.Serialize(parameters.Leases.Select(l => new[] { l.RunId, l.LeaseToken }));
        return WriteAsync(
            async (transaction, ct) =>
            {
                using var start = Command(transaction, SqlQueries.RunStartMany).Bind("@leases", leases).Bind("@now", now);
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
        var expiresAt = Microseconds.FromInstant(NowOr(parameters.Now) + parameters.LeaseDuration);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var extended = new List<string>();
                var cancelRequested = new List<string>();
                using var extend = Command(transaction, SqlQueries.RunExtendLease);
                foreach (var lease in parameters.Leases)
                {
                    extend.Rebind(p => p
                        .Bind("@id", lease.RunId)
                        .Bind("@lease_token", lease.LeaseToken)
                        .Bind("@lease_expires_at", expiresAt));

                    // RETURNING cancel_requested: no row, not extended; a row, extended, and 1 if asked to stop.
                    if (await extend.ExecuteScalarAsync(ct).ConfigureAwait(false) is long requested)
                    {
                        extended.Add(lease.RunId);
                        if (requested != 0)
                        {
                            cancelRequested.Add(lease.RunId);
                        }
                    }
                }

                if (parameters.Worker is not null)
                {
                    await ExecuteAsync(
                        Command(transaction, SqlQueries.WorkerTouch).Bind("@name", parameters.Worker).Bind("@now", Microseconds.FromInstant(NowOr(parameters.Now))),
                        ct).ConfigureAwait(false);
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

        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var batch = new JsonBatch(Command(transaction, SqlQueries.RunComplete).Bind("@now", Microseconds.FromInstant(now)), "@completions", _batchBuffer);
                bool[] accepted;
                await using (batch.ConfigureAwait(false))
                {
                    accepted = await batch.ExecuteAllAsync(parameters.Completions, c => c.RunId, (json, c) => WriteCompletion(json, c, now), ct).ConfigureAwait(false);
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
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                using var rescue = Command(transaction, SqlQueries.RunRescue)
                    .Bind("@now", Microseconds.FromInstant(now))
                    .Bind("@owner", parameters.Owner)
                    .Bind("@prepared_only", parameters.PreparedOnly ? 1 : 0)
                    .Bind("@limit", parameters.Limit);
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
        return ReadAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, null, SqlQueries.RunGet).Bind("@id", parameters.Id);
                return (await RunRows.ReadAllAsync(get, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListRunsResult> ListRunsAsync(ListRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ReadAsync(
            async (connection, ct) =>
            {
                var sql = parameters switch
                {
                    { JobId: not null } => SqlQueries.RunListByJob,
                    { Queue: not null } => SqlQueries.RunListByQueue,
                    { State: not null } => SqlQueries.RunListByState,
                    _ => SqlQueries.RunList,
                };
                using var list = Command(connection, null, sql)
                    .Bind("@cursor", parameters.Cursor ?? AboveEveryId)
                    .Bind("@job_id", parameters.JobId)
                    .Bind("@queue", parameters.Queue)
                    .Bind("@state", parameters.State is { } state ? WireEnums.Name(state) : null)
                    .Bind("@limit", parameters.Limit + 1);
                var rows = await RunRows.ReadAllAsync(list, ct).ConfigureAwait(false);
                var (items, next) = KeysetPage.Cut(rows, parameters.Limit, r => r.Id);
                return new ListRunsResult(items, next);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<CountRunsResult> CountRunsAsync(CountRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var count = Command(connection, null, SqlQueries.RunCount);
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
        return WriteAsync(
            async (transaction, ct) =>
            {
                var delete = Command(transaction, SqlQueries.RunDeleteFinished)
                    .Bind("@finished_before", Microseconds.FromInstant(parameters.FinishedBefore))
                    .Bind("@limit", parameters.Limit);
                return new DeleteFinishedRunsResult(await ExecuteAsync(delete, ct).ConfigureAwait(false));
            },
            cancellationToken);
    }
}
