using Kron.Storage.Sql;
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
            jobs.Add(RecordColumns.Job(row));
        }

        return jobs;
    }
}
