using Kron.Core.Cron;
using Kron.Core.Model;
using Kron.Core.Scheduling;
using Kron.Core.Time;
using Kron.Storage;

namespace Kron.Engine.Scheduling;

/// <summary>Turns a stored job into its <see cref="Schedule"/> and computes its slots.</summary>
public static class JobSchedules
{
    /// <summary>The schedule of a job. <c>H</c> fields are seeded with the job id, so they never move.</summary>
    /// <exception cref="CronFormatException">The stored cron expression is invalid (the API never stores one).</exception>
    public static Schedule Of(JobRecord job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.ScheduleKind switch
        {
            ScheduleKind.At => Schedule.At(job.ScheduleTime ?? throw Invalid(job, "schedule_time")),
            ScheduleKind.Cron => Schedule.Cron(
                CronExpression.Parse(job.Cron ?? throw Invalid(job, "cron"), job.Id),
                TimeZones.TryFind(job.TimeZone, out var zone, out var error) ? zone : throw new InvalidOperationException(error)),
            ScheduleKind.Every => Schedule.Every(job.Every ?? throw Invalid(job, "every"), job.CreatedAt),
            _ => throw new InvalidOperationException($"job {job.Id} has an unknown schedule kind"),
        };
    }

    /// <summary>
    /// What <c>next_fire_at</c> becomes when a job is registered, changed or resumed at <paramref name="now"/>: the
    /// instant of a one-time job (a slightly late one still fires), otherwise the first slot strictly after now.
    /// </summary>
    public static DateTimeOffset? FirstSlot(Schedule schedule, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        return schedule is OneTimeSchedule once ? once.Instant : schedule.GetNextOccurrence(now);
    }

    private static InvalidOperationException Invalid(JobRecord job, string field) =>
        new($"job {job.Id} has schedule kind {WireNames.Of(job.ScheduleKind)} but no {field}");
}
