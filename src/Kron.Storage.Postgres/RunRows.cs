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

    /// <summary>Binds every column of the <c>runs</c> table as <c>@column</c>, an array with one element per run (RunInsertMany).</summary>
    public static void BindMany(NpgsqlParameterCollection parameters, IReadOnlyList<RunRecord> runs) => parameters
        .NullableTextArray("id", Column(runs, r => r.Id))
        .NullableTextArray("job_id", Column(runs, r => r.JobId))
        .IntegerArray("shard", Column(runs, r => r.Shard))
        .UtcArray("scheduled_for", Instants(runs, r => r.ScheduledFor))
        .NullableTextArray("triggered_by", Column(runs, r => r.Trigger))
        .IntegerArray("attempt", Column(runs, r => r.Attempt))
        .IntegerArray("max_attempts", Column(runs, r => r.MaxAttempts))
        .NullableTextArray("state", Column(runs, r => WireEnums.Name(r.State)))
        .UtcArray("ready_at", Instants(runs, r => r.ReadyAt))
        .IntegerArray("priority", Column(runs, r => r.Priority))
        .NullableTextArray("target", Column(runs, r => r.Target))
        .NullableTextArray("payload", Column(runs, r => r.Payload))
        .BigIntArray("timeout", Column(runs, r => Parameters.Microseconds(r.Timeout)))
        .NullableTextArray("delivery", Column(runs, r => WireEnums.Name(r.Delivery)))
        .BigIntArray("retry_initial_interval", Column(runs, r => Parameters.Microseconds(r.Retry.InitialInterval)))
        .BigIntArray("retry_max_interval", Column(runs, r => Parameters.Microseconds(r.Retry.MaxInterval)))
        .DoubleArray("retry_multiplier", Column(runs, r => r.Retry.Multiplier))
        .NullableTextArray("retry_jitter", Column(runs, r => WireEnums.Name(r.Retry.Jitter)))
        .BooleanArray("cancel_requested", Column(runs, r => r.CancelRequested))
        .NullableTextArray("lease_owner", Column(runs, r => r.LeaseOwner))
        .NullableTextArray("lease_token", Column(runs, r => r.LeaseToken))
        .UtcArray("lease_expires_at", Instants(runs, r => r.LeaseExpiresAt))
        .UtcArray("started_at", Instants(runs, r => r.StartedAt))
        .UtcArray("finished_at", Instants(runs, r => r.FinishedAt))
        .NullableTextArray("node", Column(runs, r => r.Node))
        .NullableIntegerArray("exit_code", Column(runs, r => r.ExitCode))
        .NullableIntegerArray("http_status", Column(runs, r => r.HttpStatus))
        .NullableTextArray("error", Column(runs, r => r.Error))
        .NullableTextArray("output", Column(runs, r => r.Output))
        .NullableTextArray("skip_reason", Column(runs, r => r.SkipReason))
        .UtcArray("created_at", Instants(runs, r => r.CreatedAt))
        .NullableTextArray("queue", Column(runs, r => r.Queue));

    /// <summary>A column of instants, made UTC <see cref="DateTime"/>s directly (one array, not two).</summary>
    private static DateTime?[] Instants(IReadOnlyList<RunRecord> runs, Func<RunRecord, DateTimeOffset?> value)
    {
        var column = new DateTime?[runs.Count];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = value(runs[i]) is { } instant ? Parameters.TruncateToMicroseconds(instant) : null;
        }

        return column;
    }

    private static T[] Column<T>(IReadOnlyList<RunRecord> runs, Func<RunRecord, T> value)
    {
        var column = new T[runs.Count];
        for (var i = 0; i < column.Length; i++)
        {
            column[i] = value(runs[i]);
        }

        return column;
    }

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
