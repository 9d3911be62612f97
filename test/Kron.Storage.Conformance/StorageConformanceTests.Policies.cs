using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Execution policies (issue 4): firing with skipped slots and replaced runs, the live runs of jobs, cancelling,
/// cancel requests through the heartbeat, and a restarting node giving up its old leases.
/// </summary>
public abstract partial class StorageConformanceTests
{
    private const string ReplacedError = "cancelled: replaced by the run for a newer slot";

    [Fact]
    public async Task FireJobsAsync_RunsAndSkippedSlots_InsertsEachAsGivenOncePerSlot()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var manual = NewRun(job.Id, T0.AddMinutes(2)) with { Trigger = RunTriggers.Manual, ReadyAt = T0.AddHours(1) };
        await InsertRunsAsync(manual);
        var skipped = NewRun(job.Id, T0.AddMinutes(1)) with { State = RunState.Skipped, SkipReason = "misfire: skip", FinishedAt = T0.AddMinutes(3) };
        var skippedTaken = NewRun(job.Id, T0.AddMinutes(2)) with { State = RunState.Skipped, SkipReason = "misfire: skip", FinishedAt = T0.AddMinutes(3) };
        var run = NewRun(job.Id, T0.AddMinutes(3)) with { Retry = new RetryPolicy(TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(9), 3.0, RetryJitter.None) };

        var result = await Driver.FireJobsAsync(
            new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(4), [skipped, skippedTaken, run])], T0.AddMinutes(3)),
            Ct);

        Assert.Equal([true], result.Fired);
        Assert.Equal(skipped, await GetRunAsync(skipped.Id));
        Assert.Equal(run, await GetRunAsync(run.Id));
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(skippedTaken.Id), Ct));
        Assert.Equal(manual, await GetRunAsync(manual.Id));
        var stored = await GetJobAsync(job.Id);
        Assert.Equal((T0.AddMinutes(4), run.Id), (stored.NextFireAt, stored.LastRun?.Id));
        Assert.Equal([run.Id], (await ClaimAsync("node-1", T0.AddMinutes(3))).Select(r => r.Id));
    }

    [Fact]
    public async Task FireJobsAsync_CancelRunIds_CancelQueuedRequestRunningAndLeaveFinished()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var running = await InsertAndClaimAsync(NewRun(job.Id, T0), "node-1", T0);
        var queued = NewRun(job.Id, T0.AddSeconds(30)) with { ReadyAt = T0.AddHours(1) };
        var finished = NewRun(job.Id, T0.AddSeconds(-30)) with { State = RunState.Failed, FinishedAt = T0, Error = "exit 1" };
        await InsertRunsAsync(queued, finished);
        var next = NewRun(job.Id, T0.AddMinutes(1));
        var now = T0.AddMinutes(1).AddTicks(30);
        var fire = new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [next])
        {
            CancelRunIds = [queued.Id, running.Id, finished.Id, NewId()],
        };

        var result = await Driver.FireJobsAsync(new FireJobsParams([fire], now), Ct);

        Assert.Equal([true], result.Fired);
        Assert.Equal(queued with { State = RunState.Cancelled, FinishedAt = now, Error = ReplacedError }, await GetRunAsync(queued.Id));
        Assert.Equal(running with { CancelRequested = true }, await GetRunAsync(running.Id));
        Assert.Equal(finished, await GetRunAsync(finished.Id));
        Assert.Equal(next, await GetRunAsync(next.Id));
    }

    [Fact]
    public async Task FireJobsAsync_SecondFireOfAJobInTheBatch_CancelsTheRunTheFirstInserted()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var first = NewRun(job.Id, T0.AddMinutes(1)) with { ReadyAt = T0.AddHours(1) };
        var second = NewRun(job.Id, T0.AddMinutes(2));
        var now = T0.AddMinutes(2);

        var result = await Driver.FireJobsAsync(
            new FireJobsParams(
            [
                new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [first]),
                new JobFire(job.Id, T0.AddMinutes(2), T0.AddMinutes(3), [second]) { CancelRunIds = [first.Id] },
            ],
            now),
            Ct);

        Assert.Equal([true, true], result.Fired);
        Assert.Equal(first with { State = RunState.Cancelled, FinishedAt = now, Error = ReplacedError }, await GetRunAsync(first.Id));
        Assert.Equal(second, await GetRunAsync(second.Id));
        Assert.Equal(T0.AddMinutes(3), (await GetJobAsync(job.Id)).NextFireAt);
    }

    [Fact]
    public async Task FireJobsAsync_StaleExpectedSlot_NeitherInsertsRunsNorCancels()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(2) });
        var running = await InsertAndClaimAsync(NewRun(job.Id, T0), "node-1", T0);
        var queued = NewRun(job.Id, T0.AddSeconds(30)) with { ReadyAt = T0.AddHours(1) };
        await InsertRunsAsync(queued);
        var skipped = NewRun(job.Id, T0.AddMinutes(1)) with { State = RunState.Skipped, SkipReason = "forbid", FinishedAt = T0.AddMinutes(1) };
        var fire = new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [skipped, NewRun(job.Id, T0.AddMinutes(1).AddTicks(10))])
        {
            CancelRunIds = [queued.Id, running.Id],
        };

        var result = await Driver.FireJobsAsync(new FireJobsParams([fire], T0.AddMinutes(1)), Ct);

        Assert.Equal([false], result.Fired);
        Assert.Equal(T0.AddMinutes(2), (await GetJobAsync(job.Id)).NextFireAt);
        Assert.Equal(queued, await GetRunAsync(queued.Id));
        Assert.Equal(running, await GetRunAsync(running.Id));
        Assert.Equal(
            [queued.Id, running.Id],
            (await Driver.ListRunsAsync(new ListRunsParams(10, JobId: job.Id), Ct)).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task FireJobsAsync_CancelRunIdOfAnotherJob_IsIgnored()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var otherQueued = NewRun((await InsertJobAsync(NewJob())).Id, T0.AddHours(1));
        await InsertRunsAsync(otherQueued);
        var fire = new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [NewRun(job.Id, T0.AddMinutes(1))])
        {
            CancelRunIds = [otherQueued.Id],
        };

        var result = await Driver.FireJobsAsync(new FireJobsParams([fire], T0.AddMinutes(1)), Ct);

        Assert.Equal([true], result.Fired);
        Assert.Equal(otherQueued, await GetRunAsync(otherQueued.Id));
    }

    [Fact]
    public async Task FireJobsAsync_RunOfAnotherJob_ThrowsAndWritesNothing()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var other = await InsertJobAsync(NewJob());
        var own = NewRun(job.Id, T0.AddMinutes(1));
        var stranger = NewRun(other.Id, T0.AddMinutes(1));

        await Assert.ThrowsAsync<ArgumentException>(() => Driver.FireJobsAsync(
            new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [own, stranger])]),
            Ct));

        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(job.Id)).NextFireAt);
        Assert.Empty((await Driver.ListRunsAsync(new ListRunsParams(10), Ct)).Items);
    }

    [Fact]
    public async Task FireJobsAsync_FailureLaterInTheBatch_RollsBackTheCancellations()
    {
        var one = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var two = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var running = await InsertAndClaimAsync(NewRun(one.Id, T0), "node-1", T0);
        var queued = NewRun(one.Id, T0.AddSeconds(30)) with { ReadyAt = T0.AddHours(1) };
        var existing = NewRun(two.Id, T0);
        await InsertRunsAsync(queued, existing);
        var replace = new JobFire(one.Id, T0.AddMinutes(1), T0.AddMinutes(2), [NewRun(one.Id, T0.AddMinutes(1))])
        {
            CancelRunIds = [queued.Id, running.Id],
        };
        var clashingId = NewRun(two.Id, T0.AddMinutes(1)) with { Id = existing.Id };

        await Assert.ThrowsAnyAsync<Exception>(() => Driver.FireJobsAsync(
            new FireJobsParams([replace, new JobFire(two.Id, T0.AddMinutes(1), T0.AddMinutes(2), [clashingId])], T0.AddMinutes(1)),
            Ct));

        Assert.Equal(queued, await GetRunAsync(queued.Id));
        Assert.Equal(running, await GetRunAsync(running.Id));
        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(one.Id)).NextFireAt);
    }

    [Fact]
    public async Task GetActiveRunsAsync_MixedStatesAndJobs_ReturnsTheQueuedAndRunningRunsOfTheGivenJobs()
    {
        var one = await InsertJobAsync(NewJob());
        var two = await InsertJobAsync(NewJob());
        var notAsked = await InsertJobAsync(NewJob());
        var running = await InsertAndClaimAsync(NewRun(one.Id, T0), "node-1", T0);
        var queued = NewRun(one.Id, T0.AddMinutes(1));
        var finished = new[] { RunState.Succeeded, RunState.Failed, RunState.Dead, RunState.Skipped, RunState.Lost, RunState.Cancelled }
            .Select((state, i) => NewRun(one.Id, T0.AddMinutes(-1 - i)) with { State = state, FinishedAt = T0 })
            .ToArray();
        var queuedOfTwo = NewRun(two.Id, T0.AddMinutes(5));
        await InsertRunsAsync([queued, .. finished, queuedOfTwo, NewRun(notAsked.Id, T0)]);

        var result = await Driver.GetActiveRunsAsync(new GetActiveRunsParams([one.Id, two.Id, NewId()]), Ct);

        Assert.Equal(
            [
                new ActiveRun(running.Id, one.Id, RunState.Running, running.ScheduledFor),
                new ActiveRun(queued.Id, one.Id, RunState.Queued, queued.ScheduledFor),
                new ActiveRun(queuedOfTwo.Id, two.Id, RunState.Queued, queuedOfTwo.ScheduledFor),
            ],
            result.Runs.OrderBy(r => r.Id, StringComparer.Ordinal));
    }

    [Fact]
    public async Task GetActiveRunsAsync_NoJobIds_ReturnsNothing()
    {
        var job = await InsertJobAsync(NewJob());
        await InsertRunsAsync(NewRun(job.Id, T0));

        Assert.Empty((await Driver.GetActiveRunsAsync(new GetActiveRunsParams([]), Ct)).Runs);
    }

    [Fact]
    public async Task CancelRunAsync_Queued_CancelsItWithTheReason()
    {
        var job = await InsertJobAsync(NewJob());
        var queued = NewRun(job.Id, T0);
        await InsertRunsAsync(queued);
        var now = T0.AddSeconds(5);

        var result = await Driver.CancelRunAsync(new CancelRunParams(queued.Id, "cancelled by alice", now), Ct);

        var expected = queued with { State = RunState.Cancelled, FinishedAt = now, Error = "cancelled by alice" };
        Assert.Equal(new CancelRunResult(CancelRunOutcome.Cancelled, expected), result);
        Assert.Equal(expected, await GetRunAsync(queued.Id));
        Assert.Empty(await ClaimAsync("node-1", now));
    }

    [Fact]
    public async Task CancelRunAsync_Running_RecordsARequestAndLeavesItRunning()
    {
        var run = await InsertAndClaimAsync();

        var first = await Driver.CancelRunAsync(new CancelRunParams(run.Id, "stop", T0.AddSeconds(1)), Ct);
        var again = await Driver.CancelRunAsync(new CancelRunParams(run.Id, "stop", T0.AddSeconds(2)), Ct);

        var expected = run with { CancelRequested = true };
        Assert.Equal(new CancelRunResult(CancelRunOutcome.Requested, expected), first);
        Assert.Equal(new CancelRunResult(CancelRunOutcome.Requested, expected), again);
        Assert.Equal(expected, await GetRunAsync(run.Id));
        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Cancelled, Error: "stopped"), T0.AddSeconds(3)));
        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Cancelled, T0.AddSeconds(3), "stopped", true), (stored.State, stored.FinishedAt, stored.Error, stored.CancelRequested));
    }

    [Theory]
    [InlineData(RunState.Succeeded)]
    [InlineData(RunState.Failed)]
    [InlineData(RunState.Dead)]
    [InlineData(RunState.Skipped)]
    [InlineData(RunState.Lost)]
    [InlineData(RunState.Cancelled)]
    public async Task CancelRunAsync_Finished_ReturnsAlreadyFinishedAndChangesNothing(RunState state)
    {
        var job = await InsertJobAsync(NewJob());
        var finished = NewRun(job.Id, T0) with { State = state, FinishedAt = T0.AddSeconds(1), Error = "as it was" };
        await InsertRunsAsync(finished);

        var result = await Driver.CancelRunAsync(new CancelRunParams(finished.Id, "too late", T0.AddSeconds(2)), Ct);

        Assert.Equal(new CancelRunResult(CancelRunOutcome.AlreadyFinished, finished), result);
        Assert.Equal(finished, await GetRunAsync(finished.Id));
    }

    [Fact]
    public async Task CancelRunAsync_UnknownRun_ReturnsNotFound()
    {
        var job = await InsertJobAsync(NewJob());
        await InsertRunsAsync(NewRun(job.Id, T0));

        var result = await Driver.CancelRunAsync(new CancelRunParams(NewId(), "x", T0), Ct);

        Assert.Equal(new CancelRunResult(CancelRunOutcome.NotFound, null), result);
    }

    [Fact]
    public async Task ExtendLeasesAsync_CancelRequested_ReportsTheExtendedRunsAskedToStop()
    {
        var calm = await InsertAndClaimAsync();
        var asked = await InsertAndClaimAsync();
        var askedButStale = await InsertAndClaimAsync();
        foreach (var run in new[] { asked, askedButStale })
        {
            Assert.Equal(CancelRunOutcome.Requested, (await Driver.CancelRunAsync(new CancelRunParams(run.Id, "stop", T0.AddSeconds(1)), Ct)).Outcome);
        }

        var later = T0.AddSeconds(20);
        var result = await Driver.ExtendLeasesAsync(
            new ExtendLeasesParams(
                [new RunLease(calm.Id, calm.LeaseToken!), new RunLease(asked.Id, asked.LeaseToken!), new RunLease(askedButStale.Id, "stale")],
                Lease,
                later),
            Ct);

        Assert.Equal([calm.Id, asked.Id], result.Extended);
        Assert.Equal([asked.Id], result.CancelRequested);
        Assert.Equal(asked with { CancelRequested = true, LeaseExpiresAt = later + Lease }, await GetRunAsync(asked.Id));
        Assert.Equal(askedButStale with { CancelRequested = true }, await GetRunAsync(askedButStale.Id));
    }

    [Fact]
    public async Task CompleteRunsAsync_RetryAfterACancelRequest_ClearsTheRequest()
    {
        var run = await InsertAndClaimAsync();
        await Driver.CancelRunAsync(new CancelRunParams(run.Id, "stop", T0.AddSeconds(1)), Ct);

        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Queued, T0.AddMinutes(1), Error: "HTTP 503"), T0.AddSeconds(2)));

        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Queued, 2, false), (stored.State, stored.Attempt, stored.CancelRequested));
        var next = Assert.Single(await ClaimAsync("node-2", T0.AddMinutes(1)));
        var extended = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(next.Id, next.LeaseToken!)], Lease, T0.AddMinutes(1)), Ct);
        Assert.Equal([next.Id], extended.Extended);
        Assert.Empty(extended.CancelRequested);
    }

    [Fact]
    public async Task RescueRunsAsync_Owner_RescuesItsRunsWhateverTheirExpiry()
    {
        var atLeastOnce = await InsertAndClaimAsync(DeliveryGuarantee.AtLeastOnce);
        var atMostOnce = await InsertAndClaimAsync(DeliveryGuarantee.AtMostOnce);
        var job = await InsertJobAsync(NewJob());
        var others = await InsertAndClaimAsync(NewRun(job.Id, T0), "node-2", T0);
        var now = T0.AddSeconds(5);

        var result = await Driver.RescueRunsAsync(new RescueRunsParams(10, now, Owner: "node-1"), Ct);

        Assert.Equal((1, 1), Counts(result));
        var requeued = await GetRunAsync(atLeastOnce.Id);
        Assert.Equal(
            atLeastOnce with
            {
                State = RunState.Queued,
                Attempt = 2,
                ReadyAt = now,
                LeaseOwner = null,
                LeaseToken = null,
                LeaseExpiresAt = null,
                StartedAt = null,
                Error = requeued.Error,
            },
            requeued);
        Assert.Contains("node-1", requeued.Error, StringComparison.Ordinal);
        var lost = await GetRunAsync(atMostOnce.Id);
        Assert.Equal(
            atMostOnce with { State = RunState.Lost, FinishedAt = now, LeaseOwner = null, LeaseToken = null, LeaseExpiresAt = null, Error = lost.Error },
            lost);
        Assert.Contains("not be relaunched", lost.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(others, await GetRunAsync(others.Id));
        Assert.False(await CompleteAsync(new RunCompletion(atLeastOnce.Id, atLeastOnce.LeaseToken!, RunState.Succeeded), now));
    }

    [Fact]
    public async Task RescueRunsAsync_Owner_AlsoRescuesExpiredLeasesWithinTheLimit()
    {
        var job = await InsertJobAsync(NewJob());
        var expired = await InsertAndClaimAsync(NewRun(job.Id, T0), "node-2", T0);
        var later = T0.AddHours(1);
        var ownA = await InsertAndClaimAsync(NewRun(job.Id, later.AddMinutes(-3)), "node-1", later);
        var ownB = await InsertAndClaimAsync(NewRun(job.Id, later.AddMinutes(-2)), "node-1", later);
        var fresh = await InsertAndClaimAsync(NewRun(job.Id, later.AddMinutes(-1)), "node-3", later);

        var first = await Driver.RescueRunsAsync(new RescueRunsParams(2, later, Owner: "node-1"), Ct);
        var second = await Driver.RescueRunsAsync(new RescueRunsParams(2, later, Owner: "node-1"), Ct);

        Assert.Equal(((2, 0), (1, 0)), (Counts(first), Counts(second)));
        foreach (var id in new[] { expired.Id, ownA.Id, ownB.Id })
        {
            Assert.Equal(RunState.Queued, (await GetRunAsync(id)).State);
        }

        Assert.Equal(fresh, await GetRunAsync(fresh.Id));
        Assert.Equal((0, 0), Counts(await Driver.RescueRunsAsync(new RescueRunsParams(2, later, Owner: "node-1"), Ct)));
    }

    [Fact]
    public async Task RescueRunsAsync_RequeuedRunWithACancelRequest_DropsTheRequest()
    {
        var run = await InsertAndClaimAsync();
        await Driver.CancelRunAsync(new CancelRunParams(run.Id, "stop", T0.AddSeconds(1)), Ct);

        Assert.Equal((1, 0), Counts(await Driver.RescueRunsAsync(new RescueRunsParams(10, T0.AddHours(1)), Ct)));

        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Queued, false), (stored.State, stored.CancelRequested));
    }

    /// <summary>Inserts a run and claims it as <paramref name="owner"/>; no other run may be ready then.</summary>
    private async Task<RunRecord> InsertAndClaimAsync(RunRecord run, string owner, DateTimeOffset now)
    {
        await InsertRunsAsync(run);
        var claimed = Assert.Single(await ClaimAsync(owner, now, limit: 1));
        Assert.Equal(run.Id, claimed.Id);
        return claimed;
    }
}
