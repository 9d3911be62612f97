using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Maps <see cref="JobRecord"/> to the parameters of Sql/jobs.sql and rows of <c>jobs</c> back.</summary>
internal static class JobRows
{
    /// <summary>Binds every column of the <c>jobs</c> table as <c>@column</c>.</summary>
    public static void Bind(SqliteCommand command, JobRecord job)
    {
        command
            .Bind("@id", job.Id)
            .Bind("@tenant", job.Tenant)
            .Bind("@key", job.Key)
            .Bind("@name", job.Name)
            .Bind("@schedule_kind", WireEnums.Name(job.ScheduleKind))
            .Bind("@schedule_time", Microseconds.FromInstant(job.ScheduleTime))
            .Bind("@cron", job.Cron)
            .Bind("@time_zone", job.TimeZone)
            .Bind("@every", Microseconds.FromDuration(job.Every))
            .Bind("@target", job.Target)
            .Bind("@payload", job.Payload)
            .Bind("@retries", job.Retries)
            .BindRetry(job.Retry)
            .Bind("@timeout", Microseconds.FromDuration(job.Timeout))
            .Bind("@concurrency", WireEnums.Name(job.Concurrency))
            .Bind("@max_concurrent", job.MaxConcurrent)
            .Bind("@misfire", WireEnums.Name(job.Misfire))
            .Bind("@starting_deadline", Microseconds.FromDuration(job.StartingDeadline))
            .Bind("@delivery", WireEnums.Name(job.Delivery))
            .Bind("@priority", job.Priority)
            .Bind("@tags", JsonStringArray.Write(job.Tags))
            .Bind("@paused", job.Paused ? 1 : 0)
            .Bind("@shard", job.Shard)
            .Bind("@next_fire_at", Microseconds.FromInstant(job.NextFireAt))
            .Bind("@created_at", Microseconds.FromInstant(job.CreatedAt))
            .Bind("@updated_at", Microseconds.FromInstant(job.UpdatedAt))
            .Bind("@version", job.Version)
            .Bind("@request_hash", job.RequestHash);
    }

    /// <summary>Reads <c>j.*</c> plus the <c>last_run_*</c> columns of Sql/jobs.sql.</summary>
    public static async Task<List<JobRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var jobs = new List<JobRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                jobs.Add(RecordColumns.Job(row));
            }
        }

        return jobs;
    }
}
