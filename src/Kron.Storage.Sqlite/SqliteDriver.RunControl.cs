using Kron.Core.Model;
using Kron.Storage.Sql;

namespace Kron.Storage.Sqlite;

/// <summary>Runs under the execution policies: the live runs of jobs, cancelling, redriving (Sql/runs.sql).</summary>
public sealed partial class SqliteDriver
{
    /// <inheritdoc/>
    public Task<GetActiveRunsResult> GetActiveRunsAsync(GetActiveRunsParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.JobIds.Count == 0)
        {
            return Task.FromResult(new GetActiveRunsResult([]));
        }

        return ReadAsync(
            async (connection, ct) =>
            {
                using var get = Command(connection, null, SqlQueries.RunGetActive).Bind("@job_ids", JsonStringArray.Write(parameters.JobIds));
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
        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                using var cancel = Command(transaction, SqlQueries.RunCancel)
                    .Bind("@id", parameters.RunId)
                    .Bind("@job_id", null)
                    .Bind("@now", Microseconds.FromInstant(now))
                    .Bind("@reason", parameters.Reason);
                if ((await RunRows.ReadAllAsync(cancel, ct).ConfigureAwait(false)).SingleOrDefault() is { } changed)
                {
                    // Only queued and running runs change, and a running one stays running.
                    return new CancelRunResult(changed.State == RunState.Cancelled ? CancelRunOutcome.Cancelled : CancelRunOutcome.Requested, changed);
                }

                using var get = Command(transaction, SqlQueries.RunGet).Bind("@id", parameters.RunId);
                var finished = (await RunRows.ReadAllAsync(get, ct).ConfigureAwait(false)).SingleOrDefault();
                return new CancelRunResult(finished is null ? CancelRunOutcome.NotFound : CancelRunOutcome.AlreadyFinished, finished);
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><c>States</c> is empty or names a state that is not redriven (only dead,
    /// failed, lost and cancelled are). Nothing is written then.</exception>
    public Task<RedriveRunsResult> RedriveRunsAsync(RedriveRunsParams parameters, CancellationToken cancellationToken)
    {
        OperationArguments.ThrowIfInvalid(parameters);

        var now = NowOr(parameters.Now);
        return WriteAsync(
            async (transaction, ct) =>
            {
                using var redrive = Command(transaction, SqlQueries.RunRedrive)
                    .Bind("@states", JsonStringArray.Write(parameters.States.Select(WireEnums.Name)))
                    .Bind("@run_id", parameters.RunId)
                    .Bind("@job_id", parameters.JobId)
                    .Bind("@tag", parameters.Tag)
                    .Bind("@from", Microseconds.FromInstant(parameters.From))
                    .Bind("@to", Microseconds.FromInstant(parameters.To))
                    .Bind("@now", Microseconds.FromInstant(now))
                    .Bind("@limit", parameters.Limit);
                var redriven = new List<(string Id, long ScheduledFor)>();
                var reader = await redrive.ExecuteReaderAsync(ct).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        redriven.Add((reader.GetString(0), reader.GetInt64(1)));
                    }
                }

                // RETURNING has no order; report the runs oldest slot first, the order they were picked in.
                return new RedriveRunsResult([.. redriven
                    .OrderBy(r => r.ScheduledFor)
                    .ThenBy(r => r.Id, StringComparer.Ordinal)
                    .Select(r => r.Id)]);
            },
            cancellationToken);
    }
}
