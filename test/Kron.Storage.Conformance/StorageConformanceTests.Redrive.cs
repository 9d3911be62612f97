using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Redriving finished runs back to the queue: which runs (states, run, job, tag, slot range, limit, oldest slot
/// first), the fresh set of attempts, and fencing that still holds for the old lease holders.
/// </summary>
public abstract partial class StorageConformanceTests
{
    private static readonly RunState[] RedrivableStates = [RunState.Dead, RunState.Failed, RunState.Lost, RunState.Cancelled];

    [Fact]
    public async Task RedriveRunsAsync_DeadRun_QueuesAFreshSetOfAttemptsKeepingTheLastOutcome()
    {
        var job = await InsertJobAsync(NewJob());
        var dead = NewRun(job.Id, T0) with
        {
            State = RunState.Dead,
            Attempt = 3,
            MaxAttempts = 3,
            LeaseOwner = "node-1",
            LeaseToken = "old-token",
            LeaseExpiresAt = T0.AddMinutes(1),
            StartedAt = T0.AddSeconds(10),
            FinishedAt = T0.AddSeconds(20),
            Node = "node-1",
            ExitCode = 2,
            HttpStatus = 500,
            Error = "HTTP 500",
            Output = "last words",
            SkipReason = "stale",
            CancelRequested = true,
        };
        await InsertRunsAsync(dead);
        var now = T0.AddHours(2).AddTicks(40);

        var result = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, RunId: dead.Id, Now: now), Ct);

        Assert.Equal([dead.Id], result.RunIds);
        var expected = dead with
        {
            State = RunState.Queued,
            ReadyAt = now,
            Attempt = 4,
            MaxAttempts = 6,
            LeaseOwner = null,
            LeaseToken = null,
            LeaseExpiresAt = null,
            StartedAt = null,
            FinishedAt = null,
            SkipReason = null,
            CancelRequested = false,
        };
        Assert.Equal(expected, await GetRunAsync(dead.Id));
        Assert.Empty(await ClaimAsync("node-2", now.AddTicks(-10)));
        var claimed = Assert.Single(await ClaimAsync("node-2", now));
        Assert.Equal((4, 6), (claimed.Attempt, claimed.MaxAttempts));
    }

    [Fact]
    public async Task RedriveRunsAsync_EarlyFailure_GetsAsManyAttemptsAsItHad()
    {
        var job = await InsertJobAsync(NewJob());
        var failed = NewRun(job.Id, T0) with { State = RunState.Failed, Attempt = 1, MaxAttempts = 5, FinishedAt = T0, Error = "bad target" };
        await InsertRunsAsync(failed);

        await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Failed], 10, Now: T0.AddHours(1)), Ct);

        var stored = await GetRunAsync(failed.Id);
        Assert.Equal((RunState.Queued, 2, 6, "bad target"), (stored.State, stored.Attempt, stored.MaxAttempts, stored.Error));
    }

    [Fact]
    public async Task RedriveRunsAsync_States_RedrivesOnlyRunsInThoseStates()
    {
        var job = await InsertJobAsync(NewJob());
        var running = await InsertAndClaimAsync(NewRun(job.Id, T0), "node-1", T0);
        var byState = Enum.GetValues<RunState>()
            .Where(s => s is not (RunState.Queued or RunState.Running))
            .ToDictionary(s => s, s => NewRun(job.Id, T0.AddMinutes(1 + (int)s)) with { State = s, FinishedAt = T0 });
        var queued = NewRun(job.Id, T0.AddHours(1));
        await InsertRunsAsync([.. byState.Values, queued]);

        var deadAndLost = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Lost, RunState.Dead], 10, Now: T0.AddHours(2)), Ct);
        var failedAndCancelled = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Failed, RunState.Cancelled], 10, Now: T0.AddHours(2)), Ct);
        var again = await Driver.RedriveRunsAsync(new RedriveRunsParams(RedrivableStates, 10, Now: T0.AddHours(2)), Ct);

        Assert.Equal([byState[RunState.Dead].Id, byState[RunState.Lost].Id], deadAndLost.RunIds);
        Assert.Equal([byState[RunState.Failed].Id, byState[RunState.Cancelled].Id], failedAndCancelled.RunIds);
        Assert.Empty(again.RunIds);
        Assert.Equal(byState[RunState.Succeeded], await GetRunAsync(byState[RunState.Succeeded].Id));
        Assert.Equal(byState[RunState.Skipped], await GetRunAsync(byState[RunState.Skipped].Id));
        Assert.Equal(running, await GetRunAsync(running.Id));
        Assert.Equal(queued, await GetRunAsync(queued.Id));
    }

    [Theory]
    [InlineData(RunState.Queued)]
    [InlineData(RunState.Running)]
    [InlineData(RunState.Succeeded)]
    [InlineData(RunState.Skipped)]
    public async Task RedriveRunsAsync_StateThatIsNotRedriven_ThrowsAndWritesNothing(RunState state)
    {
        var job = await InsertJobAsync(NewJob());
        var dead = NewRun(job.Id, T0) with { State = RunState.Dead, FinishedAt = T0 };
        var other = NewRun(job.Id, T0.AddMinutes(1)) with { State = state, FinishedAt = T0 };
        await InsertRunsAsync(dead, other);

        await Assert.ThrowsAsync<ArgumentException>(() => Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead, state], 10, Now: T0), Ct));

        Assert.Equal(dead, await GetRunAsync(dead.Id));
        Assert.Equal(other, await GetRunAsync(other.Id));
    }

    [Fact]
    public async Task RedriveRunsAsync_NoStates_Throws()
    {
        var job = await InsertJobAsync(NewJob());
        var dead = NewRun(job.Id, T0) with { State = RunState.Dead, FinishedAt = T0 };
        await InsertRunsAsync(dead);

        await Assert.ThrowsAsync<ArgumentException>(() => Driver.RedriveRunsAsync(new RedriveRunsParams([], 10, Now: T0), Ct));

        Assert.Equal(dead, await GetRunAsync(dead.Id));
    }

    [Fact]
    public async Task RedriveRunsAsync_RunId_RedrivesThatRunOnlyIfItsStateMatches()
    {
        var job = await InsertJobAsync(NewJob());
        var dead = NewRun(job.Id, T0) with { State = RunState.Dead, FinishedAt = T0 };
        var deadToo = NewRun(job.Id, T0.AddMinutes(1)) with { State = RunState.Dead, FinishedAt = T0 };
        var lost = NewRun(job.Id, T0.AddMinutes(2)) with { State = RunState.Lost, FinishedAt = T0 };
        await InsertRunsAsync(dead, deadToo, lost);

        var mismatch = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, RunId: lost.Id, Now: T0.AddHours(1)), Ct);
        var unknown = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, RunId: NewId(), Now: T0.AddHours(1)), Ct);
        var one = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, RunId: deadToo.Id, Now: T0.AddHours(1)), Ct);

        Assert.Empty(mismatch.RunIds);
        Assert.Empty(unknown.RunIds);
        Assert.Equal([deadToo.Id], one.RunIds);
        Assert.Equal(dead, await GetRunAsync(dead.Id));
        Assert.Equal(lost, await GetRunAsync(lost.Id));
    }

    [Fact]
    public async Task RedriveRunsAsync_JobAndSlotRange_FromInclusiveToExclusive()
    {
        var job = await InsertJobAsync(NewJob());
        var other = await InsertJobAsync(NewJob());
        var runs = Enumerable.Range(0, 4)
            .Select(i => NewRun(job.Id, T0.AddMinutes(i)) with { State = RunState.Dead, FinishedAt = T0.AddHours(1) })
            .ToArray();
        var otherJobs = NewRun(other.Id, T0.AddMinutes(1)) with { State = RunState.Dead, FinishedAt = T0.AddHours(1) };
        await InsertRunsAsync([.. runs, otherJobs]);

        var result = await Driver.RedriveRunsAsync(
            new RedriveRunsParams([RunState.Dead], 10, JobId: job.Id, From: T0.AddMinutes(1), To: T0.AddMinutes(3), Now: T0.AddHours(2)),
            Ct);

        Assert.Equal([runs[1].Id, runs[2].Id], result.RunIds);
        Assert.Equal(runs[0], await GetRunAsync(runs[0].Id));
        Assert.Equal(runs[3], await GetRunAsync(runs[3].Id));
        Assert.Equal(otherJobs, await GetRunAsync(otherJobs.Id));
        var all = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, From: T0.AddMinutes(1), Now: T0.AddHours(2)), Ct);
        Assert.Equal([otherJobs.Id, runs[3].Id], all.RunIds);
    }

    [Fact]
    public async Task RedriveRunsAsync_Tag_MatchesTheRunsOfJobsThatHaveTheTagNow()
    {
        var billing = await InsertJobAsync(NewJob() with { Tags = ["nightly", "billing"] });
        var retagged = await InsertJobAsync(NewJob() with { Tags = ["reports"] });
        var untagged = await InsertJobAsync(NewJob());
        var deleted = await InsertJobAsync(NewJob() with { Tags = ["billing"] });
        var dead = new[] { billing, retagged, untagged, deleted }
            .Select((j, i) => NewRun(j.Id, T0.AddMinutes(i)) with { State = RunState.Dead, FinishedAt = T0.AddHours(1) })
            .ToArray();
        await InsertRunsAsync(dead);
        Assert.Equal(UpdateJobOutcome.Updated, (await Driver.UpdateJobAsync(new UpdateJobParams(retagged with { Tags = ["billing"] }, retagged.Version), Ct)).Outcome);
        Assert.True((await Driver.DeleteJobAsync(new DeleteJobParams(deleted.Id, T0.AddHours(1)), Ct)).Deleted);

        var result = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, Tag: "billing", Now: T0.AddHours(2)), Ct);

        Assert.Equal([dead[0].Id, dead[1].Id], result.RunIds);
        Assert.Equal(dead[2], await GetRunAsync(dead[2].Id));
        Assert.Equal(dead[3], await GetRunAsync(dead[3].Id));
        Assert.Empty((await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, Tag: "bill", Now: T0.AddHours(2)), Ct)).RunIds);
    }

    [Fact]
    public async Task RedriveRunsAsync_MoreThanLimit_RedrivesTheOldestSlotsFirst()
    {
        var job = await InsertJobAsync(NewJob());
        int[] slots = [4, 1, 3, 0, 2];
        var runs = slots
            .Select(i => NewRun(job.Id, T0.AddMinutes(i)) with { State = RunState.Dead, FinishedAt = T0.AddHours(1) })
            .ToArray();
        await InsertRunsAsync(runs);
        var bySlot = runs.OrderBy(r => r.ScheduledFor).Select(r => r.Id).ToArray();

        var first = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 3, Now: T0.AddHours(2)), Ct);
        var second = await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 3, Now: T0.AddHours(2)), Ct);

        Assert.Equal(bySlot[..3], first.RunIds);
        Assert.Equal(bySlot[3..], second.RunIds);
        Assert.Empty((await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 3, Now: T0.AddHours(2)), Ct)).RunIds);
    }

    [Fact]
    public async Task RedriveRunsAsync_DeadRun_OldLeaseTokenStaysFencedOff()
    {
        var run = await InsertAndClaimAsync();
        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Dead, Error: "gave up"), T0.AddSeconds(1)));
        var now = T0.AddHours(1);
        Assert.Equal([run.Id], (await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, Now: now), Ct)).RunIds);

        var staleWhileQueued = await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded), now);
        var current = Assert.Single(await ClaimAsync("node-2", now));
        var staleExtend = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(run.Id, run.LeaseToken!)], Lease, now), Ct);
        var staleWhileRunning = await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Failed, Error: "zombie"), now);

        Assert.False(staleWhileQueued);
        Assert.Empty(staleExtend.Extended);
        Assert.False(staleWhileRunning);
        Assert.NotEqual(run.LeaseToken, current.LeaseToken);
        Assert.True(await CompleteAsync(new RunCompletion(run.Id, current.LeaseToken!, RunState.Succeeded), now.AddSeconds(1)));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, 2, "node-2"), (stored.State, stored.Attempt, stored.Node));
    }

    [Fact]
    public async Task RedriveRunsAsync_LostRun_ZombieHolderIsFencedOffAndTheNewHolderWins()
    {
        var zombie = await InsertAndClaimAsync(DeliveryGuarantee.AtMostOnce);
        var later = T0.AddHours(1);
        Assert.Equal((0, 1), Counts(await Driver.RescueRunsAsync(new RescueRunsParams(10, later), Ct)));
        Assert.Equal([zombie.Id], (await Driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Lost], 10, JobId: zombie.JobId, Now: later), Ct)).RunIds);
        var current = Assert.Single(await ClaimAsync("node-2", later));

        var zombieCompletes = await CompleteAsync(new RunCompletion(zombie.Id, zombie.LeaseToken!, RunState.Succeeded), later);
        var currentCompletes = await CompleteAsync(new RunCompletion(current.Id, current.LeaseToken!, RunState.Succeeded), later.AddSeconds(1));

        Assert.False(zombieCompletes);
        Assert.True(currentCompletes);
        var stored = await GetRunAsync(zombie.Id);
        Assert.Equal((RunState.Succeeded, 2, 4, "node-2"), (stored.State, stored.Attempt, stored.MaxAttempts, stored.Node));
    }
}
