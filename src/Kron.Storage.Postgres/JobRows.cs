using Kron.Core.Model;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Maps <see cref="JobRecord"/> to the parameters of Sql/jobs.sql and rows of <c>jobs</c> back.</summary>
internal static class JobRows
{
    /// <summary>Binds every column of the <c>jobs</c> table as <c>@column</c>.</summary>
    public static void Bind(NpgsqlParameterCollection parameters, JobRecord job) => parameters
        .Text("id", job.Id)
        .Text("tenant", job.Tenant)
        .Text("key", job.Key)
        .Text("name", job.Name)
        .Wire("schedule_kind", job.ScheduleKind)
        .Instant("schedule_time", job.ScheduleTime)
        .Text("cron", job.Cron)
        .Text("time_zone", job.TimeZone)
        .Duration("every", job.Every)
        .Text("target", job.Target)
        .Text("payload", job.Payload)
        .Integer("retries", job.Retries)
        .Retry(job.Retry)
        .Duration("timeout", job.Timeout)
        .Wire("concurrency", job.Concurrency)
        .Integer("max_concurrent", job.MaxConcurrent)
        .Wire("misfire", job.Misfire)
        .Duration("starting_deadline", job.StartingDeadline)
        .Wire("delivery", job.Delivery)
        .Integer("priority", job.Priority)
        .TextArray("tags", job.Tags)
        .Boolean("paused", job.Paused)
        .Integer("shard", job.Shard)
        .Instant("next_fire_at", job.NextFireAt)
        .Instant("created_at", job.CreatedAt)
        .Instant("updated_at", job.UpdatedAt)
        .BigInt("version", job.Version)
        .Text("request_hash", job.RequestHash);

    /// <summary>Reads the current result set: <c>j.*</c> plus the <c>last_run_*</c> columns of Sql/jobs.sql.</summary>
    public static async Task<List<JobRecord>> ReadAllAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var jobs = new List<JobRecord>();
        var row = new RowReader(reader);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            jobs.Add(Read(row));
        }

        return jobs;
    }

    private static JobRecord Read(RowReader row) => new()
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
        Retry = row.Retry(),
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
