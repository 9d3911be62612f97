using System.Globalization;
using Kron.Core.Model;
using Kron.Core.Scheduling;
using Kron.Engine.Queues;
using Kron.Storage;

namespace Kron.Engine.Scheduling;

/// <summary>
/// Decides, purely, what firing a due job does: which slots run and which are recorded as skipped (misfire policy,
/// starting deadline, concurrency policy), which running runs are replaced, and the next slot.
/// </summary>
/// <remarks>
/// <para>Slots due within <c>misfireThreshold</c> of now are on time and all run. Older ones were missed (downtime, a
/// paused job): <c>run_once</c> runs only the most recent missed slot, and only when no on-time slot runs;
/// <c>skip</c> runs none; <c>run_all</c> runs the most recent <see cref="MaxBackfill"/>, oldest first. A slot older
/// than the starting deadline never runs. Then the concurrency policy: <c>allow</c> (with <c>max_concurrent</c>, at
/// most that many queued or running), <c>forbid</c> (nothing new while one is active), <c>replace</c> (active runs
/// are cancelled, the newest slot runs).</para>
/// <para>Every slot not run is recorded as a <c>skipped</c> run with its reason, so a user can see what did not
/// happen and why; after a very long outage the oldest of them are summarized in one reason instead.</para>
/// </remarks>
public static class FirePlanner
{
    /// <summary>At most this many missed slots run under <c>run_all</c>.</summary>
    public const int MaxBackfill = 100;

    /// <summary>At most this many slots are enumerated and recorded per fire; older ones are counted, not listed.</summary>
    public const int MaxSlots = 1000;

    /// <summary>
    /// Plans the fire of a due job as of <paramref name="now"/>. With a <paramref name="claim"/>, the runs that would
    /// be queued ready (not for a worker queue) are created leased to the claiming node instead, while it has slots left.
    /// </summary>
    public static JobFire Plan(JobRecord job, Schedule schedule, DateTimeOffset now, IReadOnlyList<ActiveRun> active, TimeSpan misfireThreshold, Func<string> newId, FireClaim? claim = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentNullException.ThrowIfNull(active);
        ArgumentNullException.ThrowIfNull(newId);
        var due = job.NextFireAt!.Value;
        var nextSlot = schedule.GetNextOccurrence(now);
        if (IsPlainFire(job, schedule, due, now, misfireThreshold))
        {
            return new JobFire(job.Id, due, nextSlot, [NewRun(job, due, now, newId(), claim)]);
        }

        var (slots, omitted) = DueSlots(schedule, due, now);
        var decisions = slots.Select(s => new Decision(s)).ToList();

        ApplyMisfire(job, decisions, now, misfireThreshold);
        var cancel = ApplyConcurrency(job, decisions, active);

        var runs = new List<RunRecord>(decisions.Count);
        foreach (var decision in decisions)
        {
            runs.Add(decision.SkipReason is null
                ? NewRun(job, decision.Slot, now, newId(), claim)
                : NewRun(job, decision.Slot, now, newId()) with { State = RunState.Skipped, SkipReason = decision.SkipReason, FinishedAt = now });
        }

        if (omitted > 0 && runs.Count > 0 && runs[0].State == RunState.Skipped)
        {
            runs[0] = runs[0] with { SkipReason = string.Create(CultureInfo.InvariantCulture, $"{runs[0].SkipReason} (and {omitted} earlier slots, not listed)") };
        }

        return new JobFire(job.Id, due, nextSlot, runs) { CancelRunIds = cancel };
    }

    /// <summary>
    /// The usual fire, decided without the general path's lists (it runs for every slot on the hot path): one slot is
    /// due, it is on time and within the starting deadline, and concurrency <c>allow</c> has no limit. The general
    /// path gives the same answer for it: one run, nothing skipped, nothing cancelled.
    /// </summary>
    private static bool IsPlainFire(JobRecord job, Schedule schedule, DateTimeOffset due, DateTimeOffset now, TimeSpan misfireThreshold) =>
        job.Concurrency == ConcurrencyPolicy.Allow && job.MaxConcurrent is null
        && now - due <= misfireThreshold
        && (job.StartingDeadline is not { } deadline || now - due <= deadline)
        && (schedule is OneTimeSchedule || !(schedule.GetNextOccurrence(due) is { } second && second <= now));

    /// <summary>
    /// A run for a slot, with what it executes fixed now: queued, or leased to the node of <paramref name="claim"/>
    /// when it is ready at <paramref name="now"/>, runs on a node (not a worker queue) and the claim has a slot left.
    /// </summary>
    public static RunRecord NewRun(JobRecord job, DateTimeOffset slot, DateTimeOffset now, string id, FireClaim? claim = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var queue = QueueTargets.QueueOf(job.Target);
        var leased = claim is not null && queue is null && slot <= now && claim.TryTake();
        return new RunRecord
        {
            Id = id,
            JobId = job.Id,
            Shard = job.Shard,
            ScheduledFor = slot,
            ReadyAt = slot,
            MaxAttempts = job.Retries + 1,
            Priority = job.Priority,
            Target = job.Target,
            Payload = job.Payload,
            Timeout = job.Timeout,
            Delivery = job.Delivery,
            Retry = job.Retry,
            Queue = queue,
            CreatedAt = leased ? claim!.CreatedAt ?? now : now,
            State = leased ? RunState.Running : RunState.Queued,
            LeaseOwner = leased ? claim!.Owner : null,
            Node = leased ? claim!.Owner : null,
            LeaseToken = leased ? LeaseTokens.New() : null,
            LeaseExpiresAt = leased ? claim!.LeaseExpiresAt : null,
            StartedAt = leased ? claim!.StartedAt : null,
        };
    }

    private static (List<DateTimeOffset> Slots, long Omitted) DueSlots(Schedule schedule, DateTimeOffset due, DateTimeOffset now)
    {
        var slots = new List<DateTimeOffset>();
        if (schedule is OneTimeSchedule || !(schedule.GetNextOccurrence(due) is { } second && second <= now))
        {
            slots.Add(due); // the usual case: one slot is due
            return (slots, 0);
        }

        // Enumerate from the newest backwards when there are many, so the most recent slots are the ones listed.
        var latest = LatestAtOrBefore(schedule, due, now);
        for (DateTimeOffset? slot = latest; slot is { } s && s >= due && slots.Count < MaxSlots; slot = Previous(schedule, s))
        {
            slots.Add(s);
        }

        slots.Reverse();
        var omitted = slots.Count == MaxSlots && slots[0] > due ? EstimateBetween(schedule, due, slots[0]) : 0;
        return (slots, omitted);
    }

    private static DateTimeOffset LatestAtOrBefore(Schedule schedule, DateTimeOffset due, DateTimeOffset now) => schedule switch
    {
        CronSchedule cron => cron.Expression.GetPreviousOccurrence(now.AddTicks(1), cron.Zone) is { } p && p >= due ? p : due,
        IntervalSchedule every => due.AddTicks((now - due).Ticks / every.Interval.Ticks * every.Interval.Ticks),
        _ => due,
    };

    private static DateTimeOffset? Previous(Schedule schedule, DateTimeOffset slot) => schedule switch
    {
        CronSchedule cron => cron.Expression.GetPreviousOccurrence(slot, cron.Zone),
        IntervalSchedule every => slot - every.Interval,
        _ => null,
    };

    private static long EstimateBetween(Schedule schedule, DateTimeOffset from, DateTimeOffset before)
    {
        if (schedule is IntervalSchedule every)
        {
            return (before - from).Ticks / every.Interval.Ticks;
        }

        long count = 0;
        for (DateTimeOffset? slot = from; slot is { } s && s < before && count < 1_000_000; slot = schedule.GetNextOccurrence(s))
        {
            count++;
        }

        return count;
    }

    private static void ApplyMisfire(JobRecord job, List<Decision> decisions, DateTimeOffset now, TimeSpan threshold)
    {
        var onTime = decisions.Count(d => now - d.Slot <= threshold);
        var missed = decisions.Where(d => now - d.Slot > threshold).ToList();
        for (var i = 0; i < missed.Count; i++)
        {
            var isLatest = i == missed.Count - 1;
            missed[i].SkipReason = job.Misfire switch
            {
                MisfirePolicy.RunOnce when isLatest && onTime == 0 => null,
                MisfirePolicy.RunOnce => "missed while Kron was down or the job paused; misfire run_once ran a later slot instead",
                MisfirePolicy.Skip => "missed while Kron was down or the job paused; misfire skip",
                _ when missed.Count - i <= MaxBackfill => null,
                _ => $"missed while Kron was down or the job paused; misfire run_all backfills at most {MaxBackfill} slots",
            };
        }

        foreach (var decision in decisions.Where(d => d.SkipReason is null))
        {
            if (job.StartingDeadline is { } deadline && now - decision.Slot > deadline)
            {
                decision.SkipReason = $"missed its starting deadline: {FormatLate(now - decision.Slot)} late, starting_deadline is {Kron.Protocol.ProtocolJson.FormatDuration(deadline)}";
            }
        }
    }

    private static List<string> ApplyConcurrency(JobRecord job, List<Decision> decisions, IReadOnlyList<ActiveRun> active)
    {
        var toRun = decisions.Where(d => d.SkipReason is null).ToList();
        switch (job.Concurrency)
        {
            case ConcurrencyPolicy.Forbid:
                var busy = active.Count > 0;
                foreach (var decision in toRun)
                {
                    if (busy)
                    {
                        decision.SkipReason = active.Count > 0
                            ? $"concurrency forbid: run {active[0].Id} is still {WireNames.Of(active[0].State)}"
                            : "concurrency forbid: an earlier slot of this fire runs";
                    }

                    busy = true;
                }

                return [];
            case ConcurrencyPolicy.Replace when toRun.Count > 0:
                foreach (var decision in toRun.Take(toRun.Count - 1))
                {
                    decision.SkipReason = "concurrency replace: a newer slot replaced it";
                }

                return [.. active.Select(a => a.Id)];
            case ConcurrencyPolicy.Allow when job.MaxConcurrent is { } max:
                var count = active.Count;
                foreach (var decision in toRun)
                {
                    if (count >= max)
                    {
                        decision.SkipReason = $"max_concurrent {max} reached: {count} runs of this job are queued or running";
                    }
                    else
                    {
                        count++;
                    }
                }

                return [];
            default:
                return [];
        }
    }

    private static string FormatLate(TimeSpan late) => Kron.Protocol.ProtocolJson.FormatDuration(TimeSpan.FromSeconds(Math.Round(late.TotalSeconds)));

    private sealed class Decision(DateTimeOffset slot)
    {
        public DateTimeOffset Slot { get; } = slot;

        public string? SkipReason { get; set; }
    }
}

/// <summary>
/// Slots a node reserved for the runs a trigger pass creates leased to itself rather than queued: fire-and-claim
/// (started as of the fire) or a prepared slot (leased ahead of it, not started). The planner takes one per leased run;
/// creating the run leased costs one record instead of a queued one and its leased copy (issue 6's hot path).
/// </summary>
/// <param name="owner">The node the runs are leased to.</param>
/// <param name="leaseExpiresAt">When their leases end.</param>
/// <param name="startedAt">Their start (fire-and-claim), or null (prepared: stamped started at the slot).</param>
/// <param name="slots">How many runs may be leased.</param>
public sealed class FireClaim(string owner, DateTimeOffset leaseExpiresAt, DateTimeOffset? startedAt, int slots)
{
    public string Owner { get; } = owner;

    public DateTimeOffset LeaseExpiresAt { get; } = leaseExpiresAt;

    public DateTimeOffset? StartedAt { get; } = startedAt;

    /// <summary>The runs' creation instant when it is not the planner's <c>now</c> (a prepared run is planned as of its slot).</summary>
    public DateTimeOffset? CreatedAt { get; init; }

    /// <summary>Slots not taken yet.</summary>
    public int Left { get; private set; } = slots;

    /// <summary>Takes a slot; false when none is left.</summary>
    public bool TryTake()
    {
        if (Left == 0)
        {
            return false;
        }

        Left--;
        return true;
    }
}
