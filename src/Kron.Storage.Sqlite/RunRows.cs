using Kron.Core.Model;
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
                runs.Add(Read(row));
            }
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
