using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Prepared runs: fired ahead of their slot (the trigger's look-ahead), leased to a node, <c>started_at</c> null. They
/// start with a stamp fenced by their lease token; an update of their job withdraws them, a delete or a cancel cancels
/// them, and a rescue queues them again for their slot without spending an attempt.
/// </summary>
public abstract partial class StorageConformanceTests
{
    private static readonly DateTimeOffset Slot = T0.AddMinutes(1);

    [Fact]
    public async Task StartRunsAsync_PreparedRuns_StampsOnlyCurrentLeasesOnce()
    {
        var (_, a) = await PrepareAsync();
        var (_, b) = await PrepareAsync();
        var startAt = Slot.AddMilliseconds(3);

        var first = await Driver.StartRunsAsync(new StartRunsParams([new RunLease(a.Id, a.LeaseToken!), new RunLease(b.Id, "not-the-token")], startAt), Ct);
        var again = await Driver.StartRunsAsync(new StartRunsParams([new RunLease(a.Id, a.LeaseToken!)], startAt.AddSeconds(1)), Ct);

        Assert.Equal([true, false], first.Started);
        Assert.Equal([false], again.Started);
        Assert.Equal(a with { StartedAt = startAt }, await GetRunAsync(a.Id));
        Assert.Equal(b, await GetRunAsync(b.Id));
        Assert.Empty((await Driver.StartRunsAsync(new StartRunsParams([], startAt), Ct)).Started);
    }

    [Fact]
    public async Task StartRunsAsync_ThenComplete_RecordsTheRealStart()
    {
        var (_, run) = await PrepareAsync();
        Assert.Equal([true], (await Driver.StartRunsAsync(new StartRunsParams([new RunLease(run.Id, run.LeaseToken!)], Slot), Ct)).Started);

        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded) { StartedAt = Slot.AddTicks(40) }, Slot.AddSeconds(1)));

        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, Slot.AddTicks(40)), (stored.State, stored.StartedAt));
    }

    [Fact]
    public async Task UpdateJobAsync_SameSchedule_WithdrawsThePreparedRunAndRewindsToItsSlot()
    {
        var (job, run) = await PrepareAsync();
        var stored = await GetJobAsync(job.Id);
        Assert.Equal(Slot.AddMinutes(1), stored.NextFireAt);

        var update = await Driver.UpdateJobAsync(new UpdateJobParams(stored with { Payload = "\"new\"", Version = stored.Version }, stored.Version), Ct);

        Assert.Equal(UpdateJobOutcome.Updated, update.Outcome);
        Assert.Equal(Slot, update.Job!.NextFireAt);
        Assert.Equal(Slot, (await GetJobAsync(job.Id)).NextFireAt);
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(run.Id), Ct));
        Assert.Equal([false], (await Driver.StartRunsAsync(new StartRunsParams([new RunLease(run.Id, run.LeaseToken!)], Slot), Ct)).Started);

        // The slot is free again: the next fire inserts its run from the new definition.
        var fire = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, Slot, Slot.AddMinutes(1), [NewRun(job.Id, Slot) with { Payload = "\"new\"" }])], Slot), Ct);
        Assert.Equal([true], fire.Fired);
        Assert.Empty(fire.NotInsertedRunIds);
    }

    [Fact]
    public async Task UpdateJobAsync_OneTimeJobPaused_RewindsFromNoNextSlot()
    {
        var job = await InsertJobAsync(NewJob() with { ScheduleKind = ScheduleKind.At, Every = null, ScheduleTime = Slot, NextFireAt = Slot });
        var run = await FirePreparedAsync(job, nextFireAt: null);
        var stored = await GetJobAsync(job.Id);
        Assert.Null(stored.NextFireAt);

        var update = await Driver.UpdateJobAsync(new UpdateJobParams(stored with { Paused = true }, stored.Version), Ct);

        Assert.Equal((true, Slot), (update.Job!.Paused, update.Job.NextFireAt));
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(run.Id), Ct));
    }

    [Fact]
    public async Task UpdateJobAsync_ScheduleChanged_WithdrawsButKeepsTheNewNextSlot()
    {
        var (job, run) = await PrepareAsync();
        var stored = await GetJobAsync(job.Id);

        var update = await Driver.UpdateJobAsync(
            new UpdateJobParams(stored with { Every = TimeSpan.FromMinutes(7), NextFireAt = T0.AddMinutes(7) }, stored.Version, ScheduleChanged: true),
            Ct);

        Assert.Equal(T0.AddMinutes(7), update.Job!.NextFireAt);
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(run.Id), Ct));
    }

    [Fact]
    public async Task UpdateJobAsync_StartedRun_IsNotWithdrawn()
    {
        var (job, run) = await PrepareAsync();
        await Driver.StartRunsAsync(new StartRunsParams([new RunLease(run.Id, run.LeaseToken!)], Slot), Ct);
        var stored = await GetJobAsync(job.Id);

        var update = await Driver.UpdateJobAsync(new UpdateJobParams(stored with { Name = "renamed" }, stored.Version), Ct);

        Assert.Equal(Slot.AddMinutes(1), update.Job!.NextFireAt);
        Assert.Equal(RunState.Running, (await GetRunAsync(run.Id)).State);
    }

    [Fact]
    public async Task DeleteJobAsync_PreparedRun_IsCancelled()
    {
        var (job, run) = await PrepareAsync();

        var deleted = await Driver.DeleteJobAsync(new DeleteJobParams(job.Id, T0.AddSeconds(5)), Ct);

        Assert.Equal((true, 1), (deleted.Deleted, deleted.CancelledRuns));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Cancelled, (string?)null), (stored.State, stored.LeaseToken));
        Assert.Equal([false], (await Driver.StartRunsAsync(new StartRunsParams([new RunLease(run.Id, run.LeaseToken!)], Slot), Ct)).Started);
    }

    [Fact]
    public async Task CancelRunAsync_PreparedRun_IsCancelledAtOnceNotRequested()
    {
        var (_, run) = await PrepareAsync();

        var result = await Driver.CancelRunAsync(new CancelRunParams(run.Id, "cancelled by user", T0.AddSeconds(5)), Ct);

        Assert.Equal(RunState.Cancelled, result.Run!.State);
        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Cancelled, false, (string?)null), (stored.State, stored.CancelRequested, stored.LeaseOwner));
        Assert.Equal([false], (await Driver.StartRunsAsync(new StartRunsParams([new RunLease(run.Id, run.LeaseToken!)], Slot), Ct)).Started);
    }

    [Theory]
    [InlineData(DeliveryGuarantee.AtLeastOnce)]
    [InlineData(DeliveryGuarantee.AtMostOnce)]
    public async Task RescueRunsAsync_ExpiredPreparedRun_QueuesItForItsSlotWithTheSameAttempt(DeliveryGuarantee delivery)
    {
        var (_, run) = await PrepareAsync(delivery);
        var later = run.LeaseExpiresAt!.Value.AddSeconds(1);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, later), Ct);

        Assert.Equal((1, 0), (result.Requeued, result.Lost));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal([new RescuedRun(run.Id, run.JobId, RunState.Queued, 1, stored.Error)], result.Runs);
        Assert.Equal(
            run with { State = RunState.Queued, LeaseOwner = null, LeaseToken = null, LeaseExpiresAt = null, Error = stored.Error },
            stored);
        Assert.Contains("before it started", stored.Error, StringComparison.Ordinal);
        Assert.Equal([run.Id], (await ClaimAsync("node-2", later)).Select(r => r.Id));
    }

    [Fact]
    public async Task RescueRunsAsync_PreparedOnly_HandsBackTheOwnersPreparedRunsAndLeavesStartedOnes()
    {
        var (_, prepared) = await PrepareAsync();
        var (_, started) = await PrepareAsync();
        await Driver.StartRunsAsync(new StartRunsParams([new RunLease(started.Id, started.LeaseToken!)], Slot), Ct);
        var (_, other) = await PrepareAsync(owner: "node-2");

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, T0.AddSeconds(10), Owner: "node-1", PreparedOnly: true), Ct);

        Assert.Equal([prepared.Id], result.Runs.Select(r => r.Id));
        var stored = await GetRunAsync(prepared.Id);
        Assert.Equal((RunState.Queued, 1, Slot), (stored.State, stored.Attempt, stored.ReadyAt));
        Assert.Contains("handed it back", stored.Error, StringComparison.Ordinal);
        Assert.Equal(RunState.Running, (await GetRunAsync(started.Id)).State);
        Assert.Equal(RunState.Running, (await GetRunAsync(other.Id)).State);

        // Queued for its slot: not claimable before it.
        Assert.Empty(await ClaimAsync("node-3", Slot.AddTicks(-10)));
        Assert.Equal([prepared.Id], (await ClaimAsync("node-3", Slot)).Select(r => r.Id));
    }

    [Fact]
    public async Task RescueRunsAsync_OwnerRestartedWithPreparedRuns_QueuesThemWithoutAnAttempt()
    {
        var (_, prepared) = await PrepareAsync(DeliveryGuarantee.AtMostOnce);
        var (_, started) = await PrepareAsync(DeliveryGuarantee.AtMostOnce);
        await Driver.StartRunsAsync(new StartRunsParams([new RunLease(started.Id, started.LeaseToken!)], Slot), Ct);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, Slot.AddSeconds(1), Owner: "node-1"), Ct);

        Assert.Equal((1, 1), (result.Requeued, result.Lost));
        Assert.Equal((RunState.Queued, 1), ((await GetRunAsync(prepared.Id)).State, (await GetRunAsync(prepared.Id)).Attempt));
        Assert.Equal(RunState.Lost, (await GetRunAsync(started.Id)).State);
    }

    [Fact]
    public async Task AcquireShardsAsync_TakeoverOfPreparedRuns_QueuesThemForTheirSlot()
    {
        var (_, run) = await PrepareAsync(owner: "node-1");
        await AcquireAsync("node-1", Shards.Count, T0);

        var takeover = await AcquireAsync("node-2", Shards.Count, T0 + Ttl);

        Assert.Equal([run.Id], takeover.Rescued.Select(r => r.Id));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Queued, 1, Slot, (string?)null), (stored.State, stored.Attempt, stored.ReadyAt, stored.LeaseToken));
        Assert.Contains("before this run started", stored.Error, StringComparison.Ordinal);
    }

    /// <summary>A recurring job due at <see cref="Slot"/>, its slot fired ahead: the run leased to <paramref name="owner"/>, not started.</summary>
    private async Task<(JobRecord Job, RunRecord Run)> PrepareAsync(DeliveryGuarantee delivery = DeliveryGuarantee.AtLeastOnce, string owner = "node-1")
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = Slot, Delivery = delivery });
        return (job, await FirePreparedAsync(job, Slot.AddMinutes(1), owner));
    }

    private async Task<RunRecord> FirePreparedAsync(JobRecord job, DateTimeOffset? nextFireAt, string owner = "node-1")
    {
        var run = NewRun(job.Id, Slot) with
        {
            Shard = job.Shard,
            Delivery = job.Delivery,
            State = RunState.Running,
            LeaseOwner = owner,
            Node = owner,
            LeaseToken = "token-" + NewId(),
            LeaseExpiresAt = Slot + Lease,
        };
        var fire = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, Slot, nextFireAt, [run])], T0), Ct);
        Assert.Equal([true], fire.Fired);
        return await GetRunAsync(run.Id);
    }
}
