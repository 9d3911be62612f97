using Kron.Core.Model;
using Kron.Storage;
using Kron.Testing;
using static Kron.Engine.Tests.TestJobs;

namespace Kron.Engine.Tests;

/// <summary>
/// Fire-and-claim: the trigger inserts runs that are ready at fire time already leased to its node's dispatcher, which
/// starts them without a claim, unless ready runs wait in the queue (they go first) or the dispatcher has no free slot.
/// </summary>
public sealed class FireAndClaimTests
{
    [Fact]
    public async Task Fire_ReadyRunWithAFreeSlot_IsInsertedRunningOnThisNodeAndSucceedsWithoutAClaim()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(Once(T0, Noop()));

        var pass = await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);
        var atFire = await engine.SingleRunAsync(job.Id);
        await engine.DrainAsync();

        Assert.Equal(1, pass.Fired);
        Assert.Equal((RunState.Running, EngineHarness.NodeId, T0, T0 + EngineHarness.LeaseDuration), (atFire.State, atFire.Node, atFire.StartedAt, atFire.LeaseExpiresAt));
        Assert.Matches("^[0-9a-f]{32}$", atFire.LeaseToken);
        var done = await engine.RunAsync(atFire.Id);
        Assert.Equal((RunState.Succeeded, 1), (done.State, done.Attempt));
        Assert.Equal(0, await engine.DispatchAsync());
    }

    [Fact]
    public async Task Fire_MoreReadyRunsThanFreeSlots_TheRestAreQueuedForAClaim()
    {
        await using var engine = await EngineHarness.StartAsync(maxConcurrency: 2);
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 3; i++)
        {
            jobs.Add(await engine.AddJobAsync(Once(T0, Noop(duration: TimeSpan.FromSeconds(5)))));
        }

        var timers = engine.Clock.PendingTimers;
        await engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);

        var runs = new List<RunRecord>();
        foreach (var job in jobs)
        {
            runs.Add(await engine.SingleRunAsync(job.Id));
        }

        Assert.Equal(2, runs.Count(r => r.State == RunState.Running));
        Assert.Equal(1, runs.Count(r => r.State == RunState.Queued));
        Assert.Equal(2, engine.Dispatcher.InFlightCount);
        Assert.Equal(0, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));

        // Each execution waits on two timers of the manual clock (its timeout and its duration): advance once both run.
        await Eventually.TrueAsync(() => Task.FromResult(engine.Clock.PendingTimers >= timers + 4), EngineHarness.WaitTimeout, "both runs to start executing");
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await engine.DrainAsync();
        Assert.Equal(1, await engine.StartParkedAsync());
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await engine.DrainAsync();
        foreach (var job in jobs)
        {
            Assert.Equal(RunState.Succeeded, (await engine.SingleRunAsync(job.Id)).State);
        }
    }

    [Fact]
    public async Task Fire_APassThatFailsWhilePlanning_EndsItsReservation()
    {
        // Slots are reserved before planning; a target the planner cannot read (stored by something other than the
        // API) fails the pass, and the dispatcher must get its slots back.
        await using var engine = await EngineHarness.StartAsync(maxConcurrency: 2);
        await engine.AddJobAsync(Once(T0, Noop()));
        await engine.AddJobAsync(Once(T0, """{"type":"queue","queue":"""));

        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => engine.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None));

        Assert.Equal(2, engine.Dispatcher.Reserve(5));
    }

    [Fact]
    public async Task Reserve_AfterAClaimThatTookEveryFreeSlot_ReservesNothingUntilTheQueueIsEmpty()
    {
        await using var engine = await EngineHarness.StartAsync(maxConcurrency: 1);
        await engine.AddJobAsync(Once(T0, Noop()));
        await engine.AddJobAsync(Once(T0, Noop()));
        await engine.FireAsync();

        Assert.Equal(1, await engine.DispatchAsync());
        Assert.Equal(0, engine.Dispatcher.Reserve(1));
        Assert.Equal(1, await engine.DispatchAsync());
        Assert.Equal(0, await engine.DispatchAsync());
        Assert.Equal(1, engine.Dispatcher.Reserve(5));
        Assert.Equal(0, engine.Dispatcher.Reserve(1));
        engine.Dispatcher.Adopt([], 1);
        Assert.Equal(1, engine.Dispatcher.Reserve(1));
    }
}
