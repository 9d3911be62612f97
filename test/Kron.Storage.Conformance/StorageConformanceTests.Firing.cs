using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>Due jobs and firing: compare-and-set of <c>next_fire_at</c>, one run per slot, one transaction per batch.</summary>
public abstract partial class StorageConformanceTests
{
    [Fact]
    public async Task GetDueJobsAsync_MixedJobs_ReturnsUnpausedDueJobsEarliestThenById()
    {
        var b = NewJob() with { NextFireAt = T0.AddMinutes(1) };
        var c = NewJob() with { NextFireAt = T0.AddMinutes(1) };
        var a = NewJob() with { NextFireAt = T0.AddMinutes(3) };
        foreach (var job in new[] { a, c, b })
        {
            await InsertJobAsync(job);
        }

        await InsertJobAsync(NewJob() with { NextFireAt = T0, Paused = true });
        await InsertJobAsync(NewJob() with { NextFireAt = null });
        await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(6), Paused = true });
        await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(10) });
        await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(10).AddTicks(-10) });

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0.AddMinutes(3), 10), Ct);

        Assert.Equal([b.Id, c.Id, a.Id], due.Jobs.Select(j => j.Id));
        AssertSameJob(a, due.Jobs[2]);
        Assert.Equal(T0.AddMinutes(10).AddTicks(-10), due.NextFireAfter);
    }

    [Fact]
    public async Task GetDueJobsAsync_MoreDueThanLimit_ReturnsTheEarliest()
    {
        var jobs = new List<JobRecord>();
        for (var i = 3; i > 0; i--)
        {
            jobs.Add(await InsertJobAsync(NewJob() with { NextFireAt = T0.AddSeconds(i) }));
        }

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0.AddMinutes(1), 2), Ct);

        Assert.Equal([jobs[2].Id, jobs[1].Id], due.Jobs.Select(j => j.Id));
        Assert.Null(due.NextFireAfter);
    }

    [Fact]
    public async Task GetDueJobsAsync_NothingDue_ReturnsTheNextSlot()
    {
        await InsertJobAsync(NewJob() with { NextFireAt = T0.AddHours(1) });

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10), Ct);

        Assert.Empty(due.Jobs);
        Assert.Equal(T0.AddHours(1), due.NextFireAfter);
    }

    [Fact]
    public async Task FireJobsAsync_ExpectedSlot_MovesTheJobOnAndInsertsTheRun()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var run = NewRun(job.Id, T0.AddMinutes(1));

        var result = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [run])]), Ct);

        Assert.Equal([true], result.Fired);
        var stored = await GetJobAsync(job.Id);
        AssertSameJob(job with { NextFireAt = T0.AddMinutes(2), LastRun = new RunSummary(run.Id, RunState.Queued, run.ScheduledFor, null) }, stored);
        Assert.Equal(run, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task FireJobsAsync_StaleExpectedSlot_NeitherMovesTheJobNorInsertsTheRun()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(2) });
        var run = NewRun(job.Id, T0.AddMinutes(1));

        var result = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [run])]), Ct);

        Assert.Equal([false], result.Fired);
        AssertSameJob(job, await GetJobAsync(job.Id));
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(run.Id), Ct));
    }

    [Fact]
    public async Task FireJobsAsync_SlotAlreadyHasARun_MovesTheJobWithoutASecondRun()
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var manual = NewRun(job.Id, T0.AddMinutes(1)) with { Trigger = RunTriggers.Manual };
        await InsertRunsAsync(manual);
        var scheduled = NewRun(job.Id, T0.AddMinutes(1));

        var result = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), T0.AddMinutes(2), [scheduled])]), Ct);

        Assert.Equal([true], result.Fired);
        Assert.Equal([scheduled.Id], result.NotInsertedRunIds);
        Assert.Equal(T0.AddMinutes(2), (await GetJobAsync(job.Id)).NextFireAt);
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(scheduled.Id), Ct));
        var runs = await Driver.ListRunsAsync(new ListRunsParams(10, JobId: job.Id), Ct);
        Assert.Equal([manual], runs.Items);
    }

    [Fact]
    public async Task FireJobsAsync_RunLeasedAtFire_IsNotClaimedAndCompletesWithItsToken()
    {
        // Fire-and-claim: the trigger inserts a run already leased to its own node, which then needs no claim.
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0 });
        var leased = NewRun(job.Id, T0) with
        {
            State = RunState.Running, LeaseOwner = "n1", Node = "n1", LeaseToken = LeaseTokens.New(), LeaseExpiresAt = T0 + Lease, StartedAt = T0,
        };

        var fired = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0, null, [leased])]), Ct);
        var claimed = await Driver.ClaimRunsAsync(new ClaimRunsParams("n2", 10, Lease, T0.AddSeconds(1)), Ct);
        var stale = await Driver.CompleteRunsAsync(new CompleteRunsParams([new RunCompletion(leased.Id, LeaseTokens.New(), RunState.Succeeded)], T0.AddSeconds(1)), Ct);
        var completed = await Driver.CompleteRunsAsync(new CompleteRunsParams([new RunCompletion(leased.Id, leased.LeaseToken!, RunState.Succeeded)], T0.AddSeconds(2)), Ct);

        Assert.Equal([true], fired.Fired);
        Assert.Empty(fired.NotInsertedRunIds);
        Assert.Empty(claimed.Runs);
        Assert.Equal([false], stale.Accepted);
        Assert.Equal([true], completed.Accepted);
        var run = await Driver.GetRunAsync(new GetRunParams(leased.Id), Ct);
        Assert.Equal((RunState.Succeeded, T0, "n1"), (run!.State, run.StartedAt, run.Node));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteRunsAsync_WithTheActualStart_RecordsItAsStartedAt(bool withAnError)
    {
        var job = await InsertJobAsync(NewJob() with { NextFireAt = T0 });
        await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0, null, [NewRun(job.Id, T0)])]), Ct);
        var claimed = Assert.Single((await Driver.ClaimRunsAsync(new ClaimRunsParams("n1", 10, Lease, T0), Ct)).Runs);
        var started = T0.AddMilliseconds(7);

        var completion = new RunCompletion(claimed.Id, claimed.LeaseToken!, withAnError ? RunState.Failed : RunState.Succeeded, Error: withAnError ? "boom" : null)
        {
            StartedAt = started,
        };
        var result = await Driver.CompleteRunsAsync(new CompleteRunsParams([completion], T0.AddSeconds(1)), Ct);

        Assert.Equal([true], result.Accepted);
        var run = await Driver.GetRunAsync(new GetRunParams(claimed.Id), Ct);
        Assert.Equal((started, T0.AddSeconds(1)), (run!.StartedAt, run.FinishedAt));
    }

    [Fact]
    public async Task FireJobsAsync_WithoutRunToNoSlot_EndsTheScheduleOnly()
    {
        var job = await InsertJobAsync(NewJob() with { ScheduleKind = ScheduleKind.At, NextFireAt = T0.AddMinutes(1) });

        var result = await Driver.FireJobsAsync(new FireJobsParams([new JobFire(job.Id, T0.AddMinutes(1), null, [])]), Ct);

        Assert.Equal([true], result.Fired);
        Assert.Null((await GetJobAsync(job.Id)).NextFireAt);
        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0.AddYears(100), 10), Ct);
        Assert.Empty(due.Jobs);
        Assert.Null(due.NextFireAfter);
        Assert.Empty((await Driver.ListRunsAsync(new ListRunsParams(10), Ct)).Items);
    }

    [Fact]
    public async Task FireJobsAsync_Batch_ReportsEachFireInOrderAndSeesItsOwnWrites()
    {
        var one = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var two = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var first = NewRun(one.Id, T0.AddMinutes(1));
        var duplicate = NewRun(one.Id, T0.AddMinutes(1));
        var second = NewRun(one.Id, T0.AddMinutes(2));
        var missed = NewRun(two.Id, T0);

        var result = await Driver.FireJobsAsync(
            new FireJobsParams(
            [
                new JobFire(one.Id, T0.AddMinutes(1), T0.AddMinutes(2), [first]),
                new JobFire(two.Id, T0, T0.AddMinutes(2), [missed]),
                new JobFire(one.Id, T0.AddMinutes(1), T0.AddMinutes(2), [duplicate]),
                new JobFire(one.Id, T0.AddMinutes(2), T0.AddMinutes(3), [second]),
            ]),
            Ct);

        Assert.Equal([true, false, false, true], result.Fired);
        Assert.Equal(T0.AddMinutes(3), (await GetJobAsync(one.Id)).NextFireAt);
        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(two.Id)).NextFireAt);
        var runs = await Driver.ListRunsAsync(new ListRunsParams(10), Ct);
        Assert.Equal([second.Id, first.Id], runs.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task FireJobsAsync_FailureInTheBatch_RollsBackTheWholeBatch()
    {
        var one = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var two = await InsertJobAsync(NewJob() with { NextFireAt = T0.AddMinutes(1) });
        var existing = NewRun(two.Id, T0);
        await InsertRunsAsync(existing);
        var good = NewRun(one.Id, T0.AddMinutes(1));
        var clashingId = NewRun(two.Id, T0.AddMinutes(1)) with { Id = existing.Id };

        await Assert.ThrowsAnyAsync<Exception>(() => Driver.FireJobsAsync(
            new FireJobsParams(
            [
                new JobFire(one.Id, T0.AddMinutes(1), T0.AddMinutes(2), [good]),
                new JobFire(two.Id, T0.AddMinutes(1), T0.AddMinutes(2), [clashingId]),
            ]),
            Ct));

        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(one.Id)).NextFireAt);
        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(two.Id)).NextFireAt);
        Assert.Null(await Driver.GetRunAsync(new GetRunParams(good.Id), Ct));
        Assert.Equal(existing, await GetRunAsync(existing.Id));
    }

    [Fact]
    public async Task InsertRunAsync_EveryField_RoundTrips()
    {
        var job = await InsertJobAsync(NewJob());
        var run = NewRun(job.Id, T0.AddTicks(1230)) with
        {
            Trigger = RunTriggers.Manual,
            Attempt = 2,
            MaxAttempts = 5,
            State = RunState.Running,
            ReadyAt = T0.AddSeconds(1),
            Priority = 3,
            Target = """{"type":"shell","command":"echo hi"}""",
            Payload = """{"a":[1,2]}""",
            Timeout = TimeSpan.FromTicks(12_345_670),
            Delivery = DeliveryGuarantee.AtMostOnce,
            Retry = new RetryPolicy(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), 1.25, RetryJitter.None),
            CancelRequested = true,
            LeaseOwner = "node-9",
            LeaseToken = "token-1",
            LeaseExpiresAt = T0.AddMinutes(1),
            StartedAt = T0.AddSeconds(2),
            FinishedAt = T0.AddSeconds(3),
            Node = "node-9",
            ExitCode = 137,
            HttpStatus = 503,
            Error = "boom",
            Output = "line 1\nline 2 ✓",
            SkipReason = "none",
            CreatedAt = T0.AddTicks(10),
        };

        Assert.True((await Driver.InsertRunAsync(new InsertRunParams(run), Ct)).Inserted);

        Assert.Equal(run, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task InsertRunAsync_SlotTaken_ReturnsFalseAndKeepsTheFirstRun()
    {
        var job = await InsertJobAsync(NewJob());
        var first = NewRun(job.Id, T0);
        await InsertRunsAsync(first);
        var second = NewRun(job.Id, T0) with { Trigger = RunTriggers.Manual };

        Assert.False((await Driver.InsertRunAsync(new InsertRunParams(second), Ct)).Inserted);

        Assert.Null(await Driver.GetRunAsync(new GetRunParams(second.Id), Ct));
        Assert.Equal(first, await GetRunAsync(first.Id));
    }

    [Fact]
    public async Task GetRunAsync_UnknownId_ReturnsNull()
    {
        var job = await InsertJobAsync(NewJob());
        await InsertRunsAsync(NewRun(job.Id, T0));

        Assert.Null(await Driver.GetRunAsync(new GetRunParams(NewId()), Ct));
    }

    [Fact]
    public async Task ListRunsAsync_PagingAndFilters_NewestFirstWithCursor()
    {
        var one = await InsertJobAsync(NewJob());
        var two = await InsertJobAsync(NewJob());
        var runs = new List<RunRecord>();
        for (var i = 0; i < 5; i++)
        {
            var run = NewRun(i % 2 == 0 ? one.Id : two.Id, T0.AddMinutes(i));
            runs.Add(i == 4 ? run with { State = RunState.Dead, FinishedAt = T0 } : run);
        }

        await InsertRunsAsync([.. runs]);

        var page1 = await Driver.ListRunsAsync(new ListRunsParams(2), Ct);
        var page2 = await Driver.ListRunsAsync(new ListRunsParams(2, page1.NextCursor), Ct);
        var page3 = await Driver.ListRunsAsync(new ListRunsParams(2, page2.NextCursor), Ct);
        Assert.Equal([runs[4].Id, runs[3].Id], page1.Items.Select(r => r.Id));
        Assert.Equal([runs[2].Id, runs[1].Id], page2.Items.Select(r => r.Id));
        Assert.Equal([runs[0]], page3.Items);
        Assert.Equal(runs[3].Id, page1.NextCursor);
        Assert.Null(page3.NextCursor);

        var ofOne = await Driver.ListRunsAsync(new ListRunsParams(10, JobId: one.Id), Ct);
        Assert.Equal([runs[4].Id, runs[2].Id, runs[0].Id], ofOne.Items.Select(r => r.Id));
        var queuedOfOne = await Driver.ListRunsAsync(new ListRunsParams(10, JobId: one.Id, State: RunState.Queued), Ct);
        Assert.Equal([runs[2].Id, runs[0].Id], queuedOfOne.Items.Select(r => r.Id));
        var dead = await Driver.ListRunsAsync(new ListRunsParams(10, State: RunState.Dead), Ct);
        Assert.Equal([runs[4]], dead.Items);
        Assert.Null(dead.NextCursor);
    }
}
