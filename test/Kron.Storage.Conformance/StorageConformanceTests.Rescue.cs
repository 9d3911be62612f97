using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>Rescuing expired leases, fencing off their old holders, and cleaning finished runs.</summary>
public abstract partial class StorageConformanceTests
{
    [Fact]
    public async Task RescueRunsAsync_ExpiredAtLeastOnce_QueuesTheNextAttemptNow()
    {
        var run = await InsertAndClaimAsync(DeliveryGuarantee.AtLeastOnce);
        var now = T0 + Lease + TimeSpan.FromTicks(10);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, now), Ct);

        Assert.Equal((1, 0), (result.Requeued, result.Lost));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal([new RescuedRun(run.Id, run.JobId, RunState.Queued, 2, stored.Error)], result.Runs);
        Assert.Equal(
            run with
            {
                State = RunState.Queued,
                Attempt = 2,
                ReadyAt = now,
                LeaseOwner = null,
                LeaseToken = null,
                LeaseExpiresAt = null,
                StartedAt = null,
                Error = stored.Error,
            },
            stored);
        Assert.Contains("lease", stored.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("expired", stored.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([run.Id], (await ClaimAsync("node-2", now)).Select(r => r.Id));
    }

    [Fact]
    public async Task RescueRunsAsync_ExpiredAtMostOnce_MarksTheRunLostForGood()
    {
        var run = await InsertAndClaimAsync(DeliveryGuarantee.AtMostOnce);
        var now = T0 + Lease + TimeSpan.FromSeconds(1);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, now), Ct);

        Assert.Equal((0, 1), (result.Requeued, result.Lost));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal([new RescuedRun(run.Id, run.JobId, RunState.Lost, 1, stored.Error)], result.Runs);
        Assert.Equal(
            run with { State = RunState.Lost, FinishedAt = now, LeaseOwner = null, LeaseToken = null, LeaseExpiresAt = null, Error = stored.Error },
            stored);
        Assert.Contains("unknown", stored.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("not be relaunched", stored.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await ClaimAsync("node-2", now.AddDays(1)));
    }

    [Fact]
    public async Task RescueRunsAsync_LeaseNotYetExpired_LeavesTheRunRunning()
    {
        var run = await InsertAndClaimAsync();

        var atExpiry = await Driver.RescueRunsAsync(new RescueRunsParams(10, run.LeaseExpiresAt!.Value), Ct);

        Assert.Equal((0, 0), Counts(atExpiry));
        Assert.Equal(run, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task RescueRunsAsync_ExtendedLease_IsNotRescued()
    {
        var run = await InsertAndClaimAsync();
        var extended = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(run.Id, run.LeaseToken!)], Lease, T0 + Lease), Ct);
        Assert.Equal([run.Id], extended.Extended);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, T0 + Lease + TimeSpan.FromSeconds(1)), Ct);

        Assert.Equal((0, 0), Counts(result));
        Assert.Equal(RunState.Running, (await GetRunAsync(run.Id)).State);
    }

    [Fact]
    public async Task RescueRunsAsync_MoreExpiredThanLimit_RescuesOnlyTheLimit()
    {
        for (var i = 0; i < 3; i++)
        {
            await InsertAndClaimAsync(i == 0 ? DeliveryGuarantee.AtMostOnce : DeliveryGuarantee.AtLeastOnce);
        }

        var later = T0.AddHours(1);
        var first = await Driver.RescueRunsAsync(new RescueRunsParams(2, later), Ct);
        var second = await Driver.RescueRunsAsync(new RescueRunsParams(2, later), Ct);

        Assert.Equal(2, first.Requeued + first.Lost);
        Assert.Equal(1, second.Requeued + second.Lost);
        Assert.Equal((2, 1), (first.Requeued + second.Requeued, first.Lost + second.Lost));
        var third = await Driver.RescueRunsAsync(new RescueRunsParams(2, later), Ct);
        Assert.Equal((0, 0), (third.Requeued, third.Lost));
        Assert.Empty(third.Runs);
        Assert.Equal(3, first.Runs.Concat(second.Runs).Select(r => r.Id).Distinct().Count());
    }

    [Fact]
    public async Task CompleteRunsAsync_ZombieAfterRescue_IsFencedOffAndTheNewHolderWins()
    {
        var zombie = await InsertAndClaimAsync();
        var rescueAt = T0 + Lease + TimeSpan.FromSeconds(1);
        await Driver.RescueRunsAsync(new RescueRunsParams(10, rescueAt), Ct);
        var current = Assert.Single(await ClaimAsync("node-2", rescueAt));

        var zombieExtends = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(zombie.Id, zombie.LeaseToken!)], Lease, rescueAt), Ct);
        var zombieCompletes = await CompleteAsync(new RunCompletion(zombie.Id, zombie.LeaseToken!, RunState.Failed, Error: "zombie"), rescueAt);
        var currentCompletes = await CompleteAsync(new RunCompletion(current.Id, current.LeaseToken!, RunState.Succeeded), rescueAt.AddSeconds(1));

        Assert.Empty(zombieExtends.Extended);
        Assert.False(zombieCompletes);
        Assert.True(currentCompletes);
        var stored = await GetRunAsync(zombie.Id);
        Assert.Equal((RunState.Succeeded, 2, "node-2"), (stored.State, stored.Attempt, stored.Node));
    }

    [Fact]
    public async Task CompleteRunsAsync_AfterLostAtMostOnce_IsRejected()
    {
        var run = await InsertAndClaimAsync(DeliveryGuarantee.AtMostOnce);
        var later = T0.AddHours(1);
        await Driver.RescueRunsAsync(new RescueRunsParams(10, later), Ct);

        Assert.False(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded), later));

        Assert.Equal(RunState.Lost, (await GetRunAsync(run.Id)).State);
    }

    [Fact]
    public async Task DeleteFinishedRunsAsync_FinishedBeforeTheBound_DeletesOnlyThose()
    {
        var job = await InsertJobAsync(NewJob());
        var bound = T0.AddDays(7);
        var old = new[] { RunState.Succeeded, RunState.Failed, RunState.Dead, RunState.Skipped, RunState.Lost, RunState.Cancelled }
            .Select((state, i) => NewRun(job.Id, T0.AddMinutes(i)) with { State = state, FinishedAt = bound.AddTicks(-10) })
            .ToArray();
        var atBound = NewRun(job.Id, T0.AddHours(1)) with { State = RunState.Succeeded, FinishedAt = bound };
        var queued = NewRun(job.Id, T0.AddHours(2));
        var running = NewRun(job.Id, T0.AddHours(3)) with { State = RunState.Running, StartedAt = T0, LeaseToken = "t", LeaseExpiresAt = T0 };
        var retrying = NewRun(job.Id, T0.AddHours(4)) with { Attempt = 2, Error = "failed once", FinishedAt = T0 };
        await InsertRunsAsync([.. old, atBound, queued, running, retrying]);

        var result = await Driver.DeleteFinishedRunsAsync(new DeleteFinishedRunsParams(bound, 100), Ct);

        Assert.Equal(new DeleteFinishedRunsResult(old.Length), result);
        var left = await Driver.ListRunsAsync(new ListRunsParams(100), Ct);
        Assert.Equal([retrying.Id, running.Id, queued.Id, atBound.Id], left.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task DeleteFinishedRunsAsync_MoreThanLimit_DeletesOnlyTheLimit()
    {
        var job = await InsertJobAsync(NewJob());
        for (var i = 0; i < 5; i++)
        {
            await InsertRunsAsync(NewRun(job.Id, T0.AddMinutes(i)) with { State = RunState.Succeeded, FinishedAt = T0 });
        }

        var first = await Driver.DeleteFinishedRunsAsync(new DeleteFinishedRunsParams(T0.AddDays(1), 3), Ct);
        var second = await Driver.DeleteFinishedRunsAsync(new DeleteFinishedRunsParams(T0.AddDays(1), 3), Ct);

        Assert.Equal((3, 2), (first.Deleted, second.Deleted));
        Assert.Empty((await Driver.ListRunsAsync(new ListRunsParams(10), Ct)).Items);
    }

    /// <summary>What a rescue counted (its runs are compared where a test cares).</summary>
    protected static (int Requeued, int Lost) Counts(RescueRunsResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return (result.Requeued, result.Lost);
    }
}
