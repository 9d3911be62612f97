using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// Rows back to records, by column name: <c>jobs</c>, <c>runs</c>, <c>nodes</c>, <c>shard_leases</c>. Both drivers'
/// tables have the same columns; only how a column is stored differs, and that is the <see cref="IColumnReader"/>'s
/// business.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class RecordColumns
{
    /// <summary>A row of <c>jobs</c> (<c>j.*</c>) plus the <c>last_run_*</c> columns the job queries add.</summary>
    public static JobRecord Job(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
        {
            Id = row.String("id"),
            Tenant = row.String("tenant"),
            Key = row.NullableString("key"),
            Name = row.NullableString("name"),
            ScheduleKind = row.Enum<ScheduleKind>("schedule_kind"),
            ScheduleTime = row.NullableInstant("schedule_time"),
            Cron = row.NullableString("cron"),
            TimeZone = row.String("time_zone"),
            Every = row.NullableDuration("every"),
            Target = row.String("target"),
            Payload = row.NullableString("payload"),
            Retries = row.Int32("retries"),
            Retry = Retry(row),
            Timeout = row.Duration("timeout"),
            Concurrency = row.Enum<ConcurrencyPolicy>("concurrency"),
            MaxConcurrent = row.NullableInt32("max_concurrent"),
            Misfire = row.Enum<MisfirePolicy>("misfire"),
            StartingDeadline = row.NullableDuration("starting_deadline"),
            Delivery = row.Enum<DeliveryGuarantee>("delivery"),
            Priority = row.Int32("priority"),
            Tags = row.StringArray("tags"),
            Paused = row.Boolean("paused"),
            Shard = row.Int32("shard"),
            NextFireAt = row.NullableInstant("next_fire_at"),
            CreatedAt = row.Instant("created_at"),
            UpdatedAt = row.Instant("updated_at"),
            Version = row.Int64("version"),
            RequestHash = row.NullableString("request_hash"),
            LastRun = row.IsNull("last_run_id")
                ? null
                : new RunSummary(
                    row.String("last_run_id"),
                    row.Enum<RunState>("last_run_state"),
                    row.Instant("last_run_scheduled_for"),
                    row.NullableInstant("last_run_finished_at")),
        };
    }

    /// <summary>A row of <c>runs</c>.</summary>
    public static RunRecord Run(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new()
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
            Retry = Retry(row),
            CancelRequested = row.Boolean("cancel_requested"),
            LeaseOwner = row.NullableString("lease_owner"),
            LeaseToken = row.NullableString("lease_token"),
            LeaseExpiresAt = row.NullableInstant("lease_expires_at"),
            StartedAt = row.NullableInstant("started_at"),
            FinishedAt = row.NullableInstant("finished_at"),
            Node = row.NullableString("node"),
            Queue = row.NullableString("queue"),
            ExitCode = row.NullableInt32("exit_code"),
            HttpStatus = row.NullableInt32("http_status"),
            Error = row.NullableString("error"),
            Output = row.NullableString("output"),
            SkipReason = row.NullableString("skip_reason"),
            CreatedAt = row.Instant("created_at"),
        };
    }

    /// <summary>The <c>id</c>, <c>job_id</c>, <c>state</c> and <c>scheduled_for</c> of a queued or running run.</summary>
    public static ActiveRun ActiveRun(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.String("id"), row.String("job_id"), row.Enum<RunState>("state"), row.Instant("scheduled_for"));
    }

    /// <summary>A row of <c>nodes</c>.</summary>
    public static NodeRecord Node(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.String("id"), row.String("address"), row.String("version"), row.Instant("started_at"), row.Instant("heartbeat_at"));
    }

    /// <summary>A row of <c>shard_leases</c>.</summary>
    public static ShardLease ShardLease(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        return new(row.Int32("shard"), row.NullableString("owner"), row.Int64("epoch"), row.Instant("expires_at"));
    }

    /// <summary>The four <c>retry_*</c> columns that <c>jobs</c> and <c>runs</c> share.</summary>
    public static RetryPolicy Retry(IColumnReader row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var initial = row.Duration("retry_initial_interval");
        var max = row.Duration("retry_max_interval");
        var multiplier = row.Double("retry_multiplier");
        var jitter = row.Enum<RetryJitter>("retry_jitter");

        // Most jobs keep the default; sharing its instance saves a record per row read (a due job's, on the hot path).
        var standard = RetryPolicy.Default;
        return initial == standard.InitialInterval && max == standard.MaxInterval && multiplier.Equals(standard.Multiplier) && jitter == standard.Jitter
            ? standard
            : new RetryPolicy(initial, max, multiplier, jitter);
    }
}
