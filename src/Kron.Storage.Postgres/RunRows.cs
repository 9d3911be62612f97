using Kron.Core.Model;
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
            runs.Add(Read(row));
        }

        return runs;
    }

    private static RunRecord Read(RowReader row) => new()
    {
        Id = row.String("id"),
        JobId = row.String("job_id"),
        Shard = row.Int32("shard"),
        ScheduledFor = row.Instant("scheduled_for"),
        Trigger = row.String("triggered_by"),
        Attempt = row.Int32("attempt"),
        MaxAttempts = row.Int32("max_attempts"),
        State = row.Enum<RunState>("state"),
        ReadyAt = row.Instant("ready_at"),
        Priority = row.Int32("priority"),
        Target = row.String("target"),
        Payload = row.NullableString("payload"),
        Timeout = row.Duration("timeout"),
        Delivery = row.Enum<DeliveryGuarantee>("delivery"),
        Retry = row.Retry(),
        CancelRequested = row.Boolean("cancel_requested"),
        LeaseOwner = row.NullableString("lease_owner"),
        LeaseToken = row.NullableString("lease_token"),
        LeaseExpiresAt = row.NullableInstant("lease_expires_at"),
        StartedAt = row.NullableInstant("started_at"),
        FinishedAt = row.NullableInstant("finished_at"),
        Node = row.NullableString("node"),
        ExitCode = row.NullableInt32("exit_code"),
        HttpStatus = row.NullableInt32("http_status"),
        Error = row.NullableString("error"),
        Output = row.NullableString("output"),
        SkipReason = row.NullableString("skip_reason"),
        CreatedAt = row.Instant("created_at"),
    };
}
