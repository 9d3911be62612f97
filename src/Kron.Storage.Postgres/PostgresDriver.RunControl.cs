using Kron.Core.Model;
using Kron.Storage.Sql;

namespace Kron.Storage.Postgres;

/// <summary>Runs under the execution policies: the live runs of jobs, cancelling, redriving (Sql/runs.sql).</summary>
public sealed partial class PostgresDriver
{
    /// <inheritdoc/>
    public Task<GetActiveRunsResult> GetActiveRunsAsync(GetActiveRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.JobIds.Count == 0)
        {
            return Task.FromResult(new GetActiveRunsResult([]));
        }

        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, SqlQueries.RunGetActive, p => p.TextArray("job_ids", parameters.JobIds));
                var runs = new List<ActiveRun>();
                var reader = await get.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    var row = new RowReader(reader);
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        runs.Add(RecordColumns.ActiveRun(row));
                    }
                }

                return new GetActiveRunsResult(runs);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<CancelRunResult> CancelRunAsync(CancelRunParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.RunId, nameof(parameters));
        return ConnectionAsync(
            async (connection, ct) =>
            {
                // The read rides along: it is the answer when the cancel changed nothing (finished, or no such run).
                using var batch = Batch(
                    connection,
                    Statement(SqlQueries.RunCancel, p => p
                        .Text("id", parameters.RunId)
                        .Text("job_id", null)
                        .Instant("now", parameters.Now)
                        .Text("reason", parameters.Reason)),
                    Statement(SqlQueries.RunGet, p => p.Text("id", parameters.RunId)));
                var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    if ((await RunRows.ReadAllAsync(reader, ct).ConfigureAwait(false)).SingleOrDefault() is { } changed)
                    {
                        // Only queued and running runs change, and a running one stays running.
                        return new CancelRunResult(changed.State == RunState.Cancelled ? CancelRunOutcome.Cancelled : CancelRunOutcome.Requested, changed);
                    }

                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    var finished = (await RunRows.ReadAllAsync(reader, ct).ConfigureAwait(false)).SingleOrDefault();
                    return new CancelRunResult(finished is null ? CancelRunOutcome.NotFound : CancelRunOutcome.AlreadyFinished, finished);
                }
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><c>States</c> is empty or names a state that is not redriven (only dead,
    /// failed, lost and cancelled are). Nothing is written then.</exception>
    public Task<RedriveRunsResult> RedriveRunsAsync(RedriveRunsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        return ConnectionAsync(
            async (connection, ct) =>
            {
                using var redrive = Command(connection, SqlQueries.RunRedrive, p => p
                    .TextArray("states", parameters.States.Select(WireEnums.Name))
                    .Text("run_id", parameters.RunId)
                    .Text("job_id", parameters.JobId)
                    .Text("tag", parameters.Tag)
                    .Instant("from", parameters.From)
                    .Instant("to", parameters.To)
                    .Instant("now", parameters.Now)
                    .Integer("limit", parameters.Limit));
                var redriven = new List<string>();
                var reader = await redrive.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // Oldest slot first: the order they were picked in.
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        redriven.Add(reader.GetString(0));
                    }
                }

                return new RedriveRunsResult(redriven);
            },
            cancellationToken);
    }
}
