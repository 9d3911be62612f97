using Kron.Core.Model;
using Kron.Engine.Maintenance;
using Kron.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="Maintenance.RunRescuer"/> on a real SQLite file: a run whose node died mid-run (claimed, then never
/// heard of again) is queued again for another attempt when at least once, and lost, never relaunched, when at most once.
/// </summary>
public sealed class RunRescuerTests
{
    private static readonly DateTimeOffset T0 = TestJobs.T0;

    /// <summary>Fires the job, and a node that then dies claims its run.</summary>
    private static async Task<RunRecord> ClaimedByADeadNodeAsync(EngineHarness engine, JobRecord job)
    {
        await engine.AddJobAsync(job);
        await engine.FireAsync();
        var claimed = await engine.Storage.ClaimRunsAsync(new ClaimRunsParams("dead-node", 10, EngineHarness.LeaseDuration), CancellationToken.None);
        return Assert.Single(claimed.Runs);
    }

    [Fact]
    public async Task RunOnce_AtMostOnceRunWhoseLeaseExpired_IsLostAndNeverRelaunched()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await ClaimedByADeadNodeAsync(engine, TestJobs.Once(T0, TestJobs.Noop()) with { Delivery = DeliveryGuarantee.AtMostOnce, Retries = 3 });

        Assert.Equal((0, 0), Counts(await engine.Rescuer.RunOnceAsync(CancellationToken.None)));
        engine.Clock.Advance(EngineHarness.LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.Equal((0, 1), Counts(await engine.Rescuer.RunOnceAsync(CancellationToken.None)));

        var lost = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Lost, 1), (lost.State, lost.Attempt));
        Assert.Contains("at_most_once, so it will not be relaunched", lost.Error, StringComparison.Ordinal);
        Assert.Equal(engine.Clock.GetUtcNow(), lost.FinishedAt);
        Assert.Null(lost.LeaseToken);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await engine.DispatchAsync());
        Assert.Equal((0, 0), Counts(await engine.Rescuer.RunOnceAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task RunOnce_AtLeastOnceRunWhoseLeaseExpired_IsQueuedAgainForTheNextAttemptAndRuns()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await ClaimedByADeadNodeAsync(engine, TestJobs.Once(T0, TestJobs.Noop()));

        engine.Clock.Advance(EngineHarness.LeaseDuration + TimeSpan.FromSeconds(1));
        Assert.Equal((1, 0), Counts(await engine.Rescuer.RunOnceAsync(CancellationToken.None)));

        var requeued = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Queued, 2, engine.Clock.GetUtcNow()), (requeued.State, requeued.Attempt, requeued.ReadyAt));
        Assert.Contains("lease of dead-node expired", requeued.Error, StringComparison.Ordinal);
        Assert.Equal(1, await engine.DispatchAsync());
        var succeeded = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, 2, EngineHarness.NodeId), (succeeded.State, succeeded.Attempt, succeeded.Node));
    }

    [Fact]
    public async Task RunOnce_LeaseRenewedByItsNode_IsNotRescued()
    {
        await using var engine = await EngineHarness.StartAsync();
        await engine.AddJobAsync(TestJobs.Once(T0, TestJobs.Noop(duration: TimeSpan.FromHours(1))) with { Delivery = DeliveryGuarantee.AtMostOnce });
        await engine.FireAsync();
        Assert.Equal(1, await engine.StartParkedAsync());

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.Dispatcher.RenewLeasesAsync(CancellationToken.None);
        engine.Clock.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal((0, 0), Counts(await engine.Rescuer.RunOnceAsync(CancellationToken.None)));
    }

    [Fact]
    public async Task RunOnce_AfterTheDatabaseWasUnreachable_WaitsTheGraceBeforeRescuing()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await ClaimedByADeadNodeAsync(engine, TestJobs.Once(T0, TestJobs.Noop()));
        var (storage, database) = SwitchableStorage.Wrap(engine.Storage);
        var options = new RunRescuerOptions();
        using var rescuer = new RunRescuer(storage, new EngineSignals(), engine.Clock, Options.Create(options), NullLogger<RunRescuer>.Instance);
        engine.Clock.Advance(EngineHarness.LeaseDuration + TimeSpan.FromSeconds(1));

        database.Down = true;
        await Assert.ThrowsAsync<IOException>(() => rescuer.RunOnceAsync(CancellationToken.None));
        database.Down = false;
        var back = await rescuer.RunOnceAsync(CancellationToken.None);
        engine.Clock.Advance(options.ReconnectGrace - TimeSpan.FromSeconds(1));
        var stillWaiting = await rescuer.RunOnceAsync(CancellationToken.None);
        engine.Clock.Advance(TimeSpan.FromSeconds(1));
        var after = await rescuer.RunOnceAsync(CancellationToken.None);

        Assert.Equal((0, 0), Counts(back));
        Assert.Equal((0, 0), Counts(stillWaiting));
        Assert.Equal((1, 0), Counts(after));
        Assert.Equal(RunState.Queued, (await engine.RunAsync(run.Id)).State);
    }

    private static (int Requeued, int Lost) Counts(RescueRunsResult result) => (result.Requeued, result.Lost);
}
