using System.Globalization;
using System.Text.Json;
using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Jobs: Sql/jobs.sql.</summary>
public sealed partial class SqliteDriver
{
    /// <inheritdoc/>
    public Task<InsertJobResult> InsertJobAsync(InsertJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync((transaction, ct) => InsertJobAsync(transaction, parameters.Job, ct), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InsertJobsResult> InsertJobsAsync(InsertJobsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var results = new List<InsertJobResult>(parameters.Jobs.Count);
                foreach (var job in parameters.Jobs)
                {
                    results.Add(await InsertJobAsync(transaction, job, ct).ConfigureAwait(false));
                }

                return new InsertJobsResult(results);
            },
            cancellationToken);
    }

    private static async Task<InsertJobResult> InsertJobAsync(SqliteTransaction transaction, JobRecord job, CancellationToken cancellationToken)
    {
        var insert = Command(transaction, SqlQueries.JobInsert);
        JobRows.Bind(insert, job);
        var created = await ExecuteAsync(insert, cancellationToken).ConfigureAwait(false) == 1;

        // Not created: the key is taken in the tenant. The write lock makes "insert or read the winner" atomic.
        var read = created
            ? Command(transaction, SqlQueries.JobGet).Bind("@id", job.Id)
            : Command(transaction, SqlQueries.JobGetByKey).Bind("@tenant", job.Tenant).Bind("@key", job.Key);
        using (read)
        {
            var stored = await JobRows.ReadAllAsync(read, cancellationToken).ConfigureAwait(false);
            return new InsertJobResult(stored.Single(), created);
        }
    }

    /// <inheritdoc/>
    public Task<JobRecord?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, null, SqlQueries.JobGet).Bind("@id", parameters.Id);
                return (await JobRows.ReadAllAsync(get, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListJobsResult> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ReadAsync(
            async (connection, ct) =>
            {
                using var list = Command(connection, null, SqlQueries.JobList)
                    .Bind("@cursor", parameters.Cursor ?? AboveEveryId)
                    .Bind("@paused", parameters.Paused is { } paused ? (paused ? 1 : 0) : null)
                    .Bind("@tag", parameters.Tag)
                    .Bind("@search", string.IsNullOrEmpty(parameters.Search) ? null : parameters.Search)
                    .Bind("@limit", parameters.Limit + 1);
                var rows = await JobRows.ReadAllAsync(list, ct).ConfigureAwait(false);
                var (items, next) = KeysetPage.Cut(rows, parameters.Limit, j => j.Id);
                return new ListJobsResult(items, next);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<UpdateJobResult> UpdateJobAsync(UpdateJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var job = parameters.Job;
        return WriteAsync(
            async (transaction, ct) =>
            {
                var update = Command(transaction, SqlQueries.JobUpdate).Bind("@expected_version", parameters.ExpectedVersion);
                JobRows.Bind(update, job);
                if (await ExecuteAsync(update, ct).ConfigureAwait(false) == 0)
                {
                    using var exists = Command(transaction, SqlQueries.JobExists).Bind("@id", job.Id);
                    var found = Convert.ToInt64(await exists.ExecuteScalarAsync(ct).ConfigureAwait(false), CultureInfo.InvariantCulture) > 0;
                    return new UpdateJobResult(found ? UpdateJobOutcome.VersionConflict : UpdateJobOutcome.NotFound, null);
                }

                // Prepared runs were made from the old definition: withdrawn, and the schedule rewinds to the earliest.
                long? earliest = null;
                using (var withdraw = Command(transaction, SqlQueries.JobWithdrawPrepared).Bind("@id", job.Id))
                {
                    var slots = await withdraw.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (slots.ConfigureAwait(false))
                    {
                        while (await slots.ReadAsync(ct).ConfigureAwait(false))
                        {
                            earliest = Math.Min(earliest ?? long.MaxValue, slots.GetInt64(0));
                        }
                    }
                }

                if (earliest is { } slot && !parameters.ScheduleChanged)
                {
                    await ExecuteAsync(Command(transaction, SqlQueries.JobRewind).Bind("@id", job.Id).Bind("@slot", slot), ct).ConfigureAwait(false);
                }

                using var read = Command(transaction, SqlQueries.JobGet).Bind("@id", job.Id);
                var stored = await JobRows.ReadAllAsync(read, ct).ConfigureAwait(false);
                return new UpdateJobResult(UpdateJobOutcome.Updated, stored.Single());
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<DeleteJobResult> DeleteJobAsync(DeleteJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var delete = Command(transaction, SqlQueries.JobDelete).Bind("@id", parameters.Id);
                if (await ExecuteAsync(delete, ct).ConfigureAwait(false) == 0)
                {
                    return new DeleteJobResult(false, 0);
                }

                var cancel = Command(transaction, SqlQueries.JobCancelQueuedRuns)
                    .Bind("@id", parameters.Id)
                    .Bind("@now", Microseconds.FromInstant(NowOr(parameters.Now)));
                return new DeleteJobResult(true, await ExecuteAsync(cancel, ct).ConfigureAwait(false));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks><see cref="GetDueJobsParams.From"/> is not used: SQLite removes an index entry when its row changes.</remarks>
    public Task<GetDueJobsResult> GetDueJobsAsync(GetDueJobsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);
        var until = Microseconds.FromInstant(parameters.Until);
        return ReadAsync(
            async (connection, ct) =>
            {
                // One read transaction: the due jobs and the next slot after them come from the same snapshot.
                using var transaction = connection.BeginTransaction(deferred: true);
                var shards = JsonStringArray.WriteIntegers(parameters.Shards);
                using var due = Command(connection, transaction, SqlQueries.JobGetDue)
                    .Bind("@until", until)
                    .Bind("@limit", parameters.Limit)
                    .Bind("@shards", shards);
                var jobs = await JobRows.ReadAllAsync(due, ct).ConfigureAwait(false);
                using var next = Command(connection, transaction, SqlQueries.JobNextFireAfter).Bind("@until", until).Bind("@shards", shards);
                var nextFireAfter = await next.ExecuteScalarAsync(ct).ConfigureAwait(false) is long micros
                    ? Microseconds.ToInstant(micros)
                    : (DateTimeOffset?)null;
                if (parameters.Shards is null)
                {
                    return new GetDueJobsResult(jobs, nextFireAfter);
                }

                var byShard = new Dictionary<int, DateTimeOffset>();
                using var perShard = Command(connection, transaction, SqlQueries.JobNextFireAfterByShard).Bind("@until", until).Bind("@shards", shards);
                using (var reader = await perShard.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        byShard[reader.GetInt32(0)] = Microseconds.ToInstant(reader.GetInt64(1));
                    }
                }

                ShardDue.LowerWhereCut(byShard, parameters.Shards, jobs, parameters.Limit);
                return new GetDueJobsResult(jobs, nextFireAfter, byShard);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A fire's run belongs to another job. Nothing is written then.</exception>
    public Task<FireJobsResult> FireJobsAsync(FireJobsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        var now = Microseconds.FromInstant(NowOr(parameters.Now));
        return WriteAsync(
            async (transaction, ct) =>
            {
                var shards = await FencedShardsAsync(transaction, parameters.Fence, now, ct).ConfigureAwait(false);
                var fires = parameters.Fires;
                var cas = new JsonBatch(Command(transaction, SqlQueries.JobFire).Bind("@shards", shards), "@fires", _batchBuffer);
                bool[] fired;
                await using (cas.ConfigureAwait(false))
                {
                    fired = await cas.ExecuteAllAsync(fires, static f => f.JobId, WriteFire, ct).ConfigureAwait(false);
                }

                // The runs of the fires that won, then their cancellations: a fire can thus cancel a run an earlier fire of
                // the batch announced, as when each fire is written whole in turn.
                var runs = new List<RunRecord>(fires.Count);
                for (var i = 0; i < fires.Count; i++)
                {
                    if (fired[i])
                    {
                        runs.AddRange(fires[i].Runs);
                    }
                }

                var inserted = await InsertRunsAsync(transaction, runs, ct).ConfigureAwait(false);
                var notInserted = new List<string>();
                for (var i = 0; i < runs.Count; i++)
                {
                    if (!inserted[i])
                    {
                        notInserted.Add(runs[i].Id);
                    }
                }

                using var cancel = Command(transaction, SqlQueries.RunCancel);
                for (var i = 0; i < fires.Count; i++)
                {
                    // Only the fired job's runs: an id of another job's run is ignored, not cancelled by mistake.
                    foreach (var runId in fired[i] ? fires[i].CancelRunIds : [])
                    {
                        var jobId = fires[i].JobId;
                        cancel.Rebind(p => p
                            .Bind("@id", runId)
                            .Bind("@job_id", jobId)
                            .Bind("@now", now)
                            .Bind("@reason", JobFire.ReplacedRunError));
                        await cancel.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }
                }

                return new FireJobsResult(fired) { NotInsertedRunIds = notInserted };
            },
            cancellationToken);
    }

    /// <summary>One fire's compare-and-set as the JSON array that <c>JobFire</c> (Sql/jobs.sql) reads.</summary>
    private static void WriteFire(Utf8JsonWriter json, JobFire fire)
    {
        json.WriteStartArray();
        json.WriteStringValue(fire.JobId);
        json.WriteNumberValue(Microseconds.FromInstant(fire.ExpectedNextFireAt));
        RunRows.WriteNullable(json, Microseconds.FromInstant(fire.NewNextFireAt));
        json.WriteEndArray();
    }
}
