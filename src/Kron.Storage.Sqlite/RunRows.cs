using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Maps <see cref="RunRecord"/> to the parameters of Sql/runs.sql and rows of <c>runs</c> back.</summary>
internal static class RunRows
{
    /// <summary>Binds every column of the <c>runs</c> table as <c>@column</c>.</summary>
    public static void Bind(SqliteCommand command, RunRecord run)
    {
        command
            .Bind("@id", run.Id)
            .Bind("@job_id", run.JobId)
            .Bind("@shard", run.Shard)
            .Bind("@scheduled_for", Microseconds.FromInstant(run.ScheduledFor))
            .Bind("@triggered_by", run.Trigger)
            .Bind("@attempt", run.Attempt)
            .Bind("@max_attempts", run.MaxAttempts)
            .Bind("@state", WireEnums.Name(run.State))
            .Bind("@ready_at", Microseconds.FromInstant(run.ReadyAt))
            .Bind("@priority", run.Priority)
            .Bind("@target", run.Target)
            .Bind("@payload", run.Payload)
            .Bind("@timeout", Microseconds.FromDuration(run.Timeout))
            .Bind("@delivery", WireEnums.Name(run.Delivery))
            .BindRetry(run.Retry)
            .Bind("@cancel_requested", run.CancelRequested ? 1 : 0)
            .Bind("@lease_owner", run.LeaseOwner)
            .Bind("@lease_token", run.LeaseToken)
            .Bind("@lease_expires_at", Microseconds.FromInstant(run.LeaseExpiresAt))
            .Bind("@started_at", Microseconds.FromInstant(run.StartedAt))
            .Bind("@finished_at", Microseconds.FromInstant(run.FinishedAt))
            .Bind("@node", run.Node)
            .Bind("@queue", run.Queue)
            .Bind("@exit_code", run.ExitCode)
            .Bind("@http_status", run.HttpStatus)
            .Bind("@error", run.Error)
            .Bind("@output", run.Output)
            .Bind("@skip_reason", run.SkipReason)
            .Bind("@created_at", Microseconds.FromInstant(run.CreatedAt));
    }

    /// <summary>Reads rows of <c>runs</c> (<c>SELECT *</c> or <c>RETURNING *</c>).</summary>
    public static async Task<List<RunRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var runs = new List<RunRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs.Add(RecordColumns.Run(row));
            }
        }

        return runs;
    }
}
