using Kron.Core.Model;
using Kron.Engine;
using Kron.Engine.Dispatch;
using Kron.Engine.Observability;
using Kron.Engine.Scheduling;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Server.Jobs;

/// <summary>The API's job operations: validation, storage and a wake-up of the trigger for anything that may be due soon.</summary>
internal sealed class JobService(IStorageDriver storage, EngineSignals signals, RunDispatcher dispatcher, RunEvents events, TimeProvider time)
{
    /// <summary>Attempts of an optimistic update before giving up (only concurrent edits of one job collide).</summary>
    private const int UpdateAttempts = 5;

    public async Task<JobChange> CreateAsync(JobCreateRequest request, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var job = JobDefinitions.Create(request, Ids.New(time), now, Ids.DefaultShardCount, errors);
        if (job is null)
        {
            return new JobChange(null, Errors: errors);
        }

        job = job with { NextFireAt = JobDefinitions.FirstSlot(job, now) };
        var result = await storage.InsertJobAsync(new InsertJobParams(job), cancellationToken).ConfigureAwait(false);
        if (!result.Created)
        {
            return new JobChange(result.Job, Conflict: result.Job.RequestHash != job.RequestHash);
        }

        signals.WakeTrigger(result.Job.Shard);
        return new JobChange(result.Job, Created: true);
    }

    /// <summary>
    /// Registers many jobs with one storage transaction: each is validated and answered like <see cref="CreateAsync"/>,
    /// in order; invalid ones are left out of the transaction and do not stop the others.
    /// </summary>
    public async Task<IReadOnlyList<JobChange>> CreateManyAsync(IReadOnlyList<JobCreateRequest> requests, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var changes = new JobChange[requests.Count];
        var valid = new List<(int Index, JobRecord Job)>(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (JobDefinitions.Create(requests[i], Ids.New(time), now, Ids.DefaultShardCount, errors) is { } job)
            {
                valid.Add((i, job with { NextFireAt = JobDefinitions.FirstSlot(job, now) }));
            }
            else
            {
                changes[i] = new JobChange(null, Errors: errors);
            }
        }

        var result = await storage.InsertJobsAsync(new InsertJobsParams([.. valid.Select(v => v.Job)]), cancellationToken).ConfigureAwait(false);
        for (var i = 0; i < valid.Count; i++)
        {
            var (index, job) = valid[i];
            var stored = result.Results[i];
            changes[index] = stored.Created
                ? new JobChange(stored.Job, Created: true)
                : new JobChange(stored.Job, Conflict: stored.Job.RequestHash != job.RequestHash);
        }

        foreach (var stored in result.Results)
        {
            if (stored.Created)
            {
                signals.WakeTrigger(stored.Job.Shard);
            }
        }

        return changes;
    }

    public Task<JobChange> PatchAsync(string id, JobPatchRequest patch, CancellationToken cancellationToken) =>
        UpdateAsync(id, (job, now, errors) =>
        {
            var changed = JobDefinitions.Patch(job, patch, now, errors);
            if (changed is null)
            {
                return null;
            }

            // A changed schedule starts from now; an unchanged one keeps its next slot (a one-time job that already
            // fired must not fire again because its name changed).
            return changed with { NextFireAt = ScheduleChanged(job, changed) ? JobDefinitions.FirstSlot(changed, now) : job.NextFireAt };
        }, cancellationToken);

    /// <summary>
    /// Pauses or resumes a job. <c>next_fire_at</c> is kept: on resume the slots missed while paused are due, and the
    /// trigger applies the job's misfire policy to them (run the latest, skip, or backfill), recording every slot it
    /// does not run as skipped.
    /// </summary>
    public async Task<JobRecord?> SetPausedAsync(string id, bool paused, CancellationToken cancellationToken)
    {
        var change = await UpdateAsync(id, (job, now, _) => job.Paused == paused
            ? job
            : job with { Paused = paused, UpdatedAt = now }, cancellationToken).ConfigureAwait(false);
        return change.Job;
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken) =>
        (await storage.DeleteJobAsync(new DeleteJobParams(id), cancellationToken).ConfigureAwait(false)).Deleted;

    /// <summary>
    /// Runs the job now, once, outside its schedule, under its concurrency policy unless <paramref name="force"/>:
    /// <c>forbid</c> (or <c>max_concurrent</c> reached) refuses while runs are active, <c>replace</c> cancels them.
    /// </summary>
    public async Task<TriggerOutcome> TriggerAsync(string id, bool force, CancellationToken cancellationToken)
    {
        var job = await storage.GetJobAsync(new GetJobParams(id), cancellationToken).ConfigureAwait(false);
        if (job is null)
        {
            return new TriggerOutcome(null, null);
        }

        var active = (await storage.GetActiveRunsAsync(new GetActiveRunsParams([job.Id]), cancellationToken).ConfigureAwait(false)).Runs;
        if (!force && active.Count > 0)
        {
            var busy = job.Concurrency == ConcurrencyPolicy.Forbid || (job.Concurrency == ConcurrencyPolicy.Allow && active.Count >= job.MaxConcurrent);
            if (busy)
            {
                return new TriggerOutcome(null, $"job {id} has concurrency {WireNames.Of(job.Concurrency)}{(job.MaxConcurrent is { } m ? $" with max_concurrent {m}" : "")} and run {active[0].Id} is still {WireNames.Of(active[0].State)}; wait for it, or trigger with force=true");
            }
        }

        if (job.Concurrency == ConcurrencyPolicy.Replace)
        {
            foreach (var run in active)
            {
                var cancelled = await storage.CancelRunAsync(new CancelRunParams(run.Id, "cancelled: replaced by a manual trigger"), cancellationToken).ConfigureAwait(false);
                if (cancelled.Outcome == CancelRunOutcome.Requested)
                {
                    await dispatcher.CancelInFlightAsync(run.Id).ConfigureAwait(false);
                }
                else if (cancelled.Outcome == CancelRunOutcome.Cancelled)
                {
                    events.CancelledWhileQueued(cancelled.Run!, "replaced by a manual trigger");
                }
            }
        }

        while (true)
        {
            var now = time.GetUtcNow();
            var run = FirePlanner.NewRun(job, now, now, Ids.New(time)) with { Trigger = RunTriggers.Manual };
            if ((await storage.InsertRunAsync(new InsertRunParams(run), cancellationToken).ConfigureAwait(false)).Inserted)
            {
                events.Triggered(run);
                signals.WakeDispatcher();
                return new TriggerOutcome(await storage.GetRunAsync(new GetRunParams(run.Id), cancellationToken).ConfigureAwait(false) ?? run, null);
            }

            // Another trigger took this very microsecond: take the next one.
            await Task.Yield();
        }
    }

    private async Task<JobChange> UpdateAsync(
        string id,
        Func<JobRecord, DateTimeOffset, Dictionary<string, string[]>, JobRecord?> change,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < UpdateAttempts; attempt++)
        {
            var job = await storage.GetJobAsync(new GetJobParams(id), cancellationToken).ConfigureAwait(false);
            if (job is null)
            {
                return new JobChange(null, NotFound: true);
            }

            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var changed = change(job, time.GetUtcNow(), errors);
            if (changed is null)
            {
                return new JobChange(job, Errors: errors);
            }

            if (ReferenceEquals(changed, job))
            {
                return new JobChange(job);
            }

            var result = await storage.UpdateJobAsync(new UpdateJobParams(changed, job.Version, ScheduleChanged(job, changed)), cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case UpdateJobOutcome.Updated:
                    signals.WakeTrigger(result.Job!.Shard);
                    return new JobChange(result.Job);
                case UpdateJobOutcome.NotFound:
                    return new JobChange(null, NotFound: true);
            }
        }

        throw new InvalidOperationException($"job {id} kept changing under concurrent updates; try again");
    }

    private static bool ScheduleChanged(JobRecord before, JobRecord after) =>
        (after.ScheduleKind, after.ScheduleTime, after.Cron, after.TimeZone, after.Every) !=
        (before.ScheduleKind, before.ScheduleTime, before.Cron, before.TimeZone, before.Every);
}

/// <summary>A manual trigger: the run, or why the concurrency policy refused (null, null: no such job).</summary>
internal sealed record TriggerOutcome(RunRecord? Run, string? Refused);

/// <summary>The result of a job operation: the job, or why not.</summary>
internal sealed record JobChange(JobRecord? Job, bool Created = false, bool Conflict = false, bool NotFound = false, Dictionary<string, string[]>? Errors = null);
