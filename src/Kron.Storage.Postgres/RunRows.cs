using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Maps <see cref="RunRecord"/> to the parameters of Sql/runs.sql and rows of <c>runs</c> back.</summary>
internal static class RunRows
{
    /// <summary>Binds every column of the <c>runs</c> table as <c>@column</c>.</summary>
    public static void Bind(NpgsqlParameterCollection parameters, RunRecord run) => parameters
        .Text("id", run.Id)
        .Text("job_id", run.JobId)
        .Integer("shard", run.Shard)
        .Instant("scheduled_for", run.ScheduledFor)
        .Text("triggered_by", run.Trigger)
        .Integer("attempt", run.Attempt)
        .Integer("max_attempts", run.MaxAttempts)
        .Wire("state", run.State)
        .Instant("ready_at", run.ReadyAt)
        .Integer("priority", run.Priority)
        .Text("target", run.Target)
        .Text("payload", run.Payload)
        .Duration("timeout", run.Timeout)
        .Wire("delivery", run.Delivery)
        .Retry(run.Retry)
        .Boolean("cancel_requested", run.CancelRequested)
        .Text("lease_owner", run.LeaseOwner)
        .Text("lease_token", run.LeaseToken)
        .Instant("lease_expires_at", run.LeaseExpiresAt)
        .Instant("started_at", run.StartedAt)
        .Instant("finished_at", run.FinishedAt)
        .Text("node", run.Node)
        .Text("queue", run.Queue)
        .Integer("exit_code", run.ExitCode)
        .Integer("http_status", run.HttpStatus)
        .Text("error", run.Error)
        .Text("output", run.Output)
        .Text("skip_reason", run.SkipReason)
        .Instant("created_at", run.CreatedAt);

    /// <summary>Reads the current result set of rows of <c>runs</c> (<c>SELECT *</c> or <c>RETURNING *</c>).</summary>
    public static async Task<List<RunRecord>> ReadAllAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var runs = new List<RunRecord>();
        var row = new RowReader(reader);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(RecordColumns.Run(row));
        }

        return runs;
    }
}
