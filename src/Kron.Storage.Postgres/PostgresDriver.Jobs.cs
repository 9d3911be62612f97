using System.Data;
using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Jobs: Sql/jobs.sql.</summary>
public sealed partial class PostgresDriver
{
    /// <inheritdoc/>
    public Task<InsertJobResult> InsertJobAsync(InsertJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var job = parameters.Job;
        return ConnectionAsync(
            async (connection, ct) =>
            {
                while (true)
                {
                    // One batch, one implicit transaction: insert (or find the key taken) and hint, then read the winner.
                    using var batch = Batch(
                        connection,
                        Statement(SqlQueries.JobInsert, p => JobRows.Bind(p, job)),
                        Statement(SqlQueries.JobGetInserted, p => p.Text("id", job.Id).Text("tenant", job.Tenant).Text("key", job.Key)));
                    var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (await ReadInsertedAsync(reader, ct).ConfigureAwait(false) is { } result)
                        {
                            return result;
                        }

                        // No row: the job that held the key was deleted between the two statements; the key is free.
                    }
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<InsertJobsResult> InsertJobsAsync(InsertJobsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var jobs = parameters.Jobs;
        if (jobs.Count == 0)
        {
            return new InsertJobsResult([]);
        }

        // One transaction, one round trip: per job the insert (or nothing when its key is taken) and the read of the winner.
        var results = await TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                using var batch = Batch(connection, jobs.SelectMany(job => new[]
                {
                    Statement(SqlQueries.JobInsert, p => JobRows.Bind(p, job)),
                    Statement(SqlQueries.JobGetInserted, p => p.Text("id", job.Id).Text("tenant", job.Tenant).Text("key", job.Key)),
                }));
                var read = new InsertJobResult?[jobs.Count];
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    for (var i = 0; i < jobs.Count; i++)
                    {
                        if (i > 0)
                        {
                            await reader.NextResultAsync(ct).ConfigureAwait(false);
                        }

                        read[i] = await ReadInsertedAsync(reader, ct).ConfigureAwait(false);
                    }
                }

                return read;
            },
            cancellationToken).ConfigureAwait(false);

        // No row: the job that held the key was deleted between the two statements; insert that one on its own.
        for (var i = 0; i < results.Length; i++)
        {
            results[i] ??= await InsertJobAsync(new InsertJobParams(jobs[i]), cancellationToken).ConfigureAwait(false);
        }

        return new InsertJobsResult([.. results.Select(r => r!)]);
    }

    /// <summary>
    /// Reads the results of JobInsert then JobGetInserted: the inserted job (created), else the job holding its key, else
    /// null (that job was deleted in between). Leaves the reader on JobGetInserted's result.
    /// </summary>
    private static async Task<InsertJobResult?> ReadInsertedAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var inserted = (await JobRows.ReadAllAsync(reader, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
        var holder = (await JobRows.ReadAllAsync(reader, cancellationToken).ConfigureAwait(false)).SingleOrDefault();
        return inserted is not null ? new InsertJobResult(inserted, true) : holder is not null ? new InsertJobResult(holder, false) : null;
    }

    /// <inheritdoc/>
    public Task<JobRecord?> GetJobAsync(GetJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, SqlQueries.JobGet, p => p.Text("id", parameters.Id));
                return (await ReadJobsAsync(get, ct).ConfigureAwait(false)).SingleOrDefault();
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<ListJobsResult> ListJobsAsync(ListJobsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var list = Command(connection, SqlQueries.JobList, p => p
                    .Text("cursor", parameters.Cursor ?? AboveEveryId)
                    .Boolean("paused", parameters.Paused)
                    .Text("tag", parameters.Tag)
                    .Text("search", string.IsNullOrEmpty(parameters.Search) ? null : parameters.Search)
                    .Integer("limit", parameters.Limit + 1));
                var rows = await ReadJobsAsync(list, ct).ConfigureAwait(false);
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
        return ConnectionAsync(
            async (connection, ct) =>
            {
                // The existence check rides along: it only matters when the compare-and-set changed nothing.
                using var batch = Batch(
                    connection,
                    Statement(SqlQueries.JobUpdate, p => JobRows.Bind(p.BigInt("expected_version", parameters.ExpectedVersion).Boolean("schedule_changed", parameters.ScheduleChanged), job)),
                    Statement(SqlQueries.JobExists, p => p.Text("id", job.Id)));
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var updated = (await JobRows.ReadAllAsync(reader, ct).ConfigureAwait(false)).SingleOrDefault();
                    if (updated is not null)
                    {
                        return new UpdateJobResult(UpdateJobOutcome.Updated, updated);
                    }

                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    return new UpdateJobResult(reader.GetBoolean(0) ? UpdateJobOutcome.VersionConflict : UpdateJobOutcome.NotFound, null);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<DeleteJobResult> DeleteJobAsync(DeleteJobParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var delete = Command(connection, SqlQueries.JobDelete, p => p.Text("id", parameters.Id).Instant("now", parameters.Now));
                var reader = await delete.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(ct).ConfigureAwait(false)
                        ? new DeleteJobResult(true, reader.GetInt32(0))
                        : new DeleteJobResult(false, 0);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<GetDueJobsResult> GetDueJobsAsync(GetDueJobsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        // Each shard once, from the earliest instant it was given.
        var froms = parameters.Shards?.Select((shard, i) => (Shard: shard, From: parameters.From?[i] is { } at && at != DateTimeOffset.MinValue ? at : (DateTimeOffset?)null))
            .GroupBy(s => s.Shard)
            .Select(g => (g.Key, From: g.Any(s => s.From is null) ? null : g.Min(s => s.From)))
            .ToArray();
        var shards = froms?.Select(s => s.Key).ToArray();
        if (shards is { Length: 0 })
        {
            return Task.FromResult(new GetDueJobsResult([], null));
        }

        // Rows read per shard: twice a fair share of the limit (at least 8), so one pass reads O(limit) rows.
        var perShard = shards is null ? parameters.Limit : Math.Min(parameters.Limit, Math.Max(8, (2 * parameters.Limit / shards.Length) + 1));

        // One round trip, no transaction to commit. Each statement reads its own snapshot: a job written between the two
        // may be in neither, and every such write wakes the trigger to read its shard again (EngineSignals).
        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var batch = shards is null
                    ? Batch(
                        connection,
                        Statement(SqlQueries.JobGetDue, p => p.Instant("until", parameters.Until).Integer("limit", parameters.Limit)),
                        Statement(SqlQueries.JobNextFireAfter, p => p.Instant("until", parameters.Until)))
                    : Batch(
                        connection,
                        Statement(SqlQueries.JobGetDueInShards, p => p.IntegerArray("shards", shards).InstantArray("froms", froms!.Select(s => s.From)).Instant("until", parameters.Until).Integer("limit", parameters.Limit).Integer("per_shard", perShard)),
                        Statement(SqlQueries.JobNextFireAfterInShards, p => p.IntegerArray("shards", shards).Instant("until", parameters.Until)));
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var jobs = await JobRows.ReadAllAsync(reader, ct).ConfigureAwait(false);
                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    if (shards is null)
                    {
                        await reader.ReadAsync(ct).ConfigureAwait(false);
                        return new GetDueJobsResult(jobs, reader.IsDBNull(0) ? null : RowReader.ToInstant(reader.GetFieldValue<DateTime>(0)));
                    }

                    var byShard = new Dictionary<int, DateTimeOffset>(shards.Length);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        byShard[reader.GetInt32(0)] = RowReader.ToInstant(reader.GetFieldValue<DateTime>(1));
                    }

                    return InShardsResult(jobs, byShard, shards, parameters, perShard);
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// The sharded scan's answer. Rows cut by a limit may be due: when @limit cut the scan, every shard may have more
    /// from the last row returned on; a shard cut at @per_shard may have more from its own last row on
    /// (JobNextFireAfterInShards only sees slots after the bound), and the trigger passes again at once.
    /// </summary>
    private static GetDueJobsResult InShardsResult(List<JobRecord> jobs, Dictionary<int, DateTimeOffset> byShard, int[] shards, GetDueJobsParams parameters, int perShard)
    {
        var next = byShard.Count == 0 ? (DateTimeOffset?)null : byShard.Values.Min();
        ShardDue.LowerWhereCut(byShard, shards, jobs, parameters.Limit);
        foreach (var (shard, count) in jobs.CountBy(j => j.Shard))
        {
            if (count >= perShard)
            {
                ShardDue.Lower(byShard, shard, jobs.Last(j => j.Shard == shard).NextFireAt!.Value);
                next = jobs.Count < parameters.Limit ? parameters.Until : next;
            }
        }

        return new GetDueJobsResult(jobs, next, byShard);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException">A fire's run belongs to another job. Nothing is written then.</exception>
    /// <remarks>
    /// One transaction, a fixed number of round trips whatever the number of fires: (fenced) lock the fence's leases;
    /// every compare-and-set; then the runs and cancellations of the fires that won. Inserting runs and cancelling them
    /// never touches <c>jobs</c>, so running every compare-and-set first decides exactly what running each fire whole
    /// in turn would.
    /// </remarks>
    public Task<FireJobsResult> FireJobsAsync(FireJobsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        if (parameters.Fires.Count == 0)
        {
            return Task.FromResult(new FireJobsResult([]));
        }

        return TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                var shards = await LockFenceAsync(connection, parameters.Fence, parameters.Now, ct).ConfigureAwait(false);
                if (shards is { Length: 0 })
                {
                    return new FireJobsResult(new bool[parameters.Fires.Count]);
                }

                // Job id order (stable: a job's fires keep theirs), so that two batches lock the job rows they share
                // in the same order and never deadlock. Results go back to the caller's order.
                var order = Enumerable.Range(0, parameters.Fires.Count)
                    .OrderBy(i => parameters.Fires[i].JobId, StringComparer.Ordinal)
                    .ToArray();
                var fired = new bool[parameters.Fires.Count];
                if (AllDistinct(order, parameters.Fires, static f => f.JobId))
                {
                    // Each job once: one set-based compare-and-set for the whole batch.
                    using var cas = Command(connection, SqlQueries.JobFireMany, p => p
                        .TextArray("ids", order.Select(i => parameters.Fires[i].JobId))
                        .InstantArray("expected_next_fire_ats", order.Select(i => (DateTimeOffset?)parameters.Fires[i].ExpectedNextFireAt))
                        .InstantArray("new_next_fire_ats", order.Select(i => parameters.Fires[i].NewNextFireAt))
                        .IntegerArray("shards", shards));
                    var reader = await cas.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        // The positions of the fires that won in the arrays (in job id order), from 1.
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            fired[order[reader.GetInt64(0) - 1]] = true;
                        }
                    }
                }
                else
                {
                    // A job fired twice in one batch sees its first fire's write: one statement per fire, in order.
                    using var cas = Batch(connection, order.Select(i => parameters.Fires[i]).Select(fire => Statement(SqlQueries.JobFire, p => p
                        .Text("id", fire.JobId)
                        .Instant("expected_next_fire_at", fire.ExpectedNextFireAt)
                        .Instant("new_next_fire_at", fire.NewNextFireAt)
                        .IntegerArray("shards", shards))));
                    await cas.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    for (var k = 0; k < order.Length; k++)
                    {
                        fired[order[k]] = cas.BatchCommands[k].RecordsAffected == 1;
                    }
                }

                // The runs of the fires that won, in order, then their cancellations in run id order (the same order
                // as CompleteRuns and ExtendLeases lock runs in). A fire can thus cancel a run an earlier fire of the
                // batch announced, as when each fire is written whole in turn.
                var won = parameters.Fires.Where((_, i) => fired[i]).ToList();
                var inserts = won.SelectMany(fire => fire.Runs).ToList();
                var writes = won
                    .Where(fire => fire.CancelRunIds.Count > 0) // a closure per fire only when it cancels something
                    .SelectMany(fire => fire.CancelRunIds.Select(runId => (fire.JobId, RunId: runId)))
                    .OrderBy(c => c.RunId, StringComparer.Ordinal)
                    .Select(c => Statement(SqlQueries.RunCancel, p => p
                        .Text("id", c.RunId)
                        .Text("job_id", c.JobId)
                        .Instant("now", parameters.Now)
                        .Text("reason", JobFire.ReplacedRunError)))
                    .ToList();
                var notInserted = new List<string>();
                if (inserts.Count > 0)
                {
                    // The runs in one statement (an array per column), before the cancellations in the same batch.
                    writes.Insert(0, Statement(SqlQueries.RunInsertMany, p => RunRows.BindMany(p, inserts)));
                    using var batch = Batch(connection, writes);
                    var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(ct).ConfigureAwait(false))
                        {
                            notInserted.Add(reader.GetString(0));
                        }

                        while (await reader.NextResultAsync(ct).ConfigureAwait(false))
                        {
                            // The cancellations return no rows; reading on surfaces their errors here.
                        }
                    }
                }
                else if (writes.Count > 0)
                {
                    using var batch = Batch(connection, writes);
                    await batch.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                NoteRunsWritten(inserts.Count - notInserted.Count);
                return new FireJobsResult(fired) { NotInsertedRunIds = notInserted };
            },
            cancellationToken);
    }

    private static async Task<List<JobRecord>> ReadJobsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await JobRows.ReadAllAsync(reader, cancellationToken).ConfigureAwait(false);
        }
    }
}
