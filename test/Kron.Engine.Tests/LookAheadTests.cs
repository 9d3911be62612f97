using Kron.Core.Model;
using Kron.Engine.Scheduling;
using Kron.Storage;
using Kron.Testing;
using static Kron.Engine.Tests.TestJobs;

namespace Kron.Engine.Tests;

/// <summary>
/// The look-ahead: the slots of a burst (at least <see cref="JobTriggerOptions.DefaultBurstSize"/> jobs at one instant)
/// due within <see cref="JobTriggerOptions.DefaultLookAhead"/> are fired ahead as prepared runs held by the dispatcher,
/// stamped started just before their slot and executed at it. A change of the job before the stamp withdraws them.
/// </summary>
public sealed class LookAheadTests
{
    private static readonly DateTimeOffset Slot = T0.AddSeconds(3);

    [Fact]
    public async Task Burst_WithinTheWindow_IsPreparedThenStampedThenStartedAtItsSlot()
    {
        await using var engine = await EngineHarness.StartAsync();
        var jobs = await AddBurstAsync(engine, JobTriggerOptions.DefaultBurstSize);

        var pass = await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);

        Assert.Equal((100, 100), (pass.Fired, pass.Prepared));
        Assert.Equal(100, engine.Dispatcher.PreparedCount);
        var prepared = await engine.SingleRunAsync(jobs[0].Id);
        Assert.Equal((RunState.Running, EngineHarness.NodeId, (DateTimeOffset?)null, Slot), (prepared.State, prepared.LeaseOwner, prepared.StartedAt, prepared.ScheduledFor));
        Assert.Equal(Slot + EngineHarness.LeaseDuration, prepared.LeaseExpiresAt);
        Assert.Null((await engine.Storage.GetJobAsync(new GetJobParams(jobs[0].Id), CancellationToken.None))!.NextFireAt);

        // Too early for the stamp: nothing happens.
        Assert.Equal(0, await engine.Dispatcher.StartPreparedAsync(CancellationToken.None));

        // Within the start lead: stamped in one batch, not executed before the slot.
        engine.Clock.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(100, await engine.Dispatcher.StartPreparedAsync(CancellationToken.None));
        Assert.Equal(0, engine.Dispatcher.InFlightCount);
        Assert.Equal(T0.AddSeconds(2.5), (await engine.SingleRunAsync(jobs[0].Id)).StartedAt);

        // At the slot: they execute, and record the instant they really started.
        engine.Clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(100, await engine.Dispatcher.StartPreparedAsync(CancellationToken.None));
        await engine.DrainAsync();
        foreach (var job in jobs)
        {
            var run = await engine.SingleRunAsync(job.Id);
            Assert.Equal((RunState.Succeeded, 1, Slot), (run.State, run.Attempt, run.StartedAt));
        }

        Assert.Equal(0, engine.Dispatcher.PreparedCount);
    }

    [Fact]
    public async Task FewerSlotsThanABurst_AreNotPrepared_AndFireAtTheirInstant()
    {
        await using var engine = await EngineHarness.StartAsync();
        var jobs = await AddBurstAsync(engine, JobTriggerOptions.DefaultBurstSize - 1);

        var early = await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);

        Assert.Equal((0, 0), (early.Fired, early.Prepared));
        Assert.Equal(T0 + (JobTriggerOptions.DefaultLookAhead / 20), early.NextFireAt); // the next look-ahead scan
        Assert.Empty(await engine.RunsAsync(jobs[0].Id));

        engine.Clock.Advance(Slot - T0);
        var due = await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);
        await engine.DrainAsync();
        Assert.Equal((99, 0), (due.Fired, due.Prepared));
        Assert.Equal(RunState.Succeeded, (await engine.SingleRunAsync(jobs[0].Id)).State);
    }

    [Fact]
    public async Task BurstOfForbidJobs_IsNotPrepared_TheirSlotDependsOnTheRunsActiveThen()
    {
        await using var engine = await EngineHarness.StartAsync();
        await AddBurstAsync(engine, JobTriggerOptions.DefaultBurstSize, job => job with { Concurrency = ConcurrencyPolicy.Forbid });

        var pass = await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);

        Assert.Equal((0, 0, T0 + (JobTriggerOptions.DefaultLookAhead / 20)), (pass.Fired, pass.Prepared, pass.NextFireAt));
        Assert.Equal(0, engine.Dispatcher.PreparedCount);
    }

    [Fact]
    public async Task JobPausedBeforeTheStamp_ItsPreparedRunIsWithdrawnAndNeverStarts()
    {
        await using var engine = await EngineHarness.StartAsync();
        var jobs = await AddBurstAsync(engine, JobTriggerOptions.DefaultBurstSize);
        await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);
        var paused = (await engine.Storage.GetJobAsync(new GetJobParams(jobs[0].Id), CancellationToken.None))!;

        var update = await engine.Storage.UpdateJobAsync(new UpdateJobParams(paused with { Paused = true }, paused.Version), CancellationToken.None);

        Assert.Equal(Slot, update.Job!.NextFireAt); // rewound: on resume the misfire policy decides about this slot
        engine.Clock.Advance(TimeSpan.FromSeconds(2.5));
        Assert.Equal(99, await engine.Dispatcher.StartPreparedAsync(CancellationToken.None)); // stamped
        engine.Clock.Advance(TimeSpan.FromSeconds(0.5));
        Assert.Equal(99, await engine.Dispatcher.StartPreparedAsync(CancellationToken.None)); // started at the slot
        await engine.DrainAsync();
        Assert.Empty(await engine.RunsAsync(jobs[0].Id));
        Assert.Equal(RunState.Succeeded, (await engine.SingleRunAsync(jobs[1].Id)).State);
    }

    [Fact]
    public async Task DispatcherStopping_HandsItsPreparedRunsBackForTheirSlot()
    {
        await using var engine = await EngineHarness.StartAsync();
        var jobs = await AddBurstAsync(engine, JobTriggerOptions.DefaultBurstSize);
        await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);
        var timers = engine.Clock.PendingTimers;
        await engine.Dispatcher.StartAsync(CancellationToken.None);

        // Running: its claim loop, lease heartbeat and starter each wait on a timer of the manual clock.
        await Eventually.TrueAsync(() => Task.FromResult(engine.Clock.PendingTimers >= timers + 3), EngineHarness.WaitTimeout, "the dispatcher's loops to wait");
        await engine.Dispatcher.StopAsync(CancellationToken.None);

        Assert.Null(engine.Dispatcher.ExecuteTask!.Exception);
        Assert.True(engine.Dispatcher.ExecuteTask.IsCompletedSuccessfully, engine.Dispatcher.ExecuteTask.Status.ToString());

        Assert.Equal(0, engine.Dispatcher.PreparedCount);
        foreach (var job in jobs)
        {
            var run = await engine.SingleRunAsync(job.Id);
            Assert.Equal((RunState.Queued, 1, Slot, (string?)null), (run.State, run.Attempt, run.ReadyAt, run.LeaseOwner));
        }

        // Ordinary queued runs now: claimed at their slot by whichever node holds the shard.
        Assert.Equal(0, await engine.DispatchAsync());
    }

    private static async Task<List<JobRecord>> AddBurstAsync(EngineHarness engine, int count, Func<JobRecord, JobRecord>? change = null)
    {
        var jobs = new List<JobRecord>();
        for (var i = 0; i < count; i++)
        {
            var job = Once(Slot, Noop());
            jobs.Add(await engine.AddJobAsync(change is null ? job : change(job)));
        }

        return jobs;
    }
}
