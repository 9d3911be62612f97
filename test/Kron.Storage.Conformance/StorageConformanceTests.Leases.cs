using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>Claiming, extending and completing leases; a completion needs the current lease token (fencing).</summary>
public abstract partial class StorageConformanceTests
{
    [Fact]
    public async Task ClaimRunsAsync_ReadyRuns_ClaimsByPriorityThenReadyAtThenId()
    {
        var job = await InsertJobAsync(NewJob());
        var low = NewRun(job.Id, T0.AddMinutes(-9));
        var highLate = NewRun(job.Id, T0.AddMinutes(-1)) with { Priority = 5 };
        var highEarly = NewRun(job.Id, T0.AddMinutes(-2)) with { Priority = 5 };
        var tieB = NewRun(job.Id, T0.AddMinutes(-5)) with { ReadyAt = T0.AddMinutes(-3) };
        var tieA = NewRun(job.Id, T0.AddMinutes(-6)) with { ReadyAt = T0.AddMinutes(-3) };
        await InsertRunsAsync(low, tieA, highLate, tieB, highEarly);

        var first = await ClaimAsync("node-1", T0, limit: 3);
        var rest = await ClaimAsync("node-2", T0, limit: 3);

        Assert.Equal([highEarly.Id, highLate.Id, low.Id], first.Select(r => r.Id));
        Assert.Equal([tieB.Id, tieA.Id], rest.Select(r => r.Id));
        Assert.Empty(await ClaimAsync("node-3", T0));
    }

    [Fact]
    public async Task ClaimRunsAsync_ClaimedRun_IsRunningWithAFreshLease()
    {
        var job = await InsertJobAsync(NewJob());
        var a = NewRun(job.Id, T0.AddMinutes(-1));
        var b = NewRun(job.Id, T0);
        await InsertRunsAsync(a, b);
        var now = T0.AddTicks(50);

        var claimed = await ClaimAsync("node-1", now);

        Assert.Equal(2, claimed.Count);
        foreach (var run in claimed)
        {
            Assert.Equal(RunState.Running, run.State);
            Assert.Equal(("node-1", "node-1"), (run.LeaseOwner, run.Node));
            Assert.False(string.IsNullOrEmpty(run.LeaseToken));
            Assert.Equal(now + Lease, run.LeaseExpiresAt);
            Assert.Equal(now, run.StartedAt);
            Assert.Equal(1, run.Attempt);
            Assert.Equal(run, await GetRunAsync(run.Id));
        }

        Assert.NotEqual(claimed[0].LeaseToken, claimed[1].LeaseToken);
        Assert.Equal(a with { State = RunState.Running, LeaseOwner = "node-1", Node = "node-1", LeaseToken = claimed[0].LeaseToken, LeaseExpiresAt = now + Lease, StartedAt = now }, claimed[0]);
    }

    [Fact]
    public async Task ClaimRunsAsync_NotReadyOrNotQueued_LeavesThemAlone()
    {
        var job = await InsertJobAsync(NewJob());
        var future = NewRun(job.Id, T0.AddTicks(10));
        var dead = NewRun(job.Id, T0.AddMinutes(-2)) with { State = RunState.Dead, FinishedAt = T0 };
        var skipped = NewRun(job.Id, T0.AddMinutes(-3)) with { State = RunState.Skipped, SkipReason = "forbid", FinishedAt = T0 };
        var readyNow = NewRun(job.Id, T0);
        await InsertRunsAsync(future, dead, skipped, readyNow);

        var claimed = await ClaimAsync("node-1", T0);

        Assert.Equal([readyNow.Id], claimed.Select(r => r.Id));
        Assert.Equal(future, await GetRunAsync(future.Id));
        Assert.Equal(dead, await GetRunAsync(dead.Id));
        Assert.Equal(skipped, await GetRunAsync(skipped.Id));
    }

    [Fact]
    public async Task ClaimRunsAsync_WithoutNow_UsesTheCurrentTime()
    {
        var job = await InsertJobAsync(NewJob());
        var past = NewRun(job.Id, new DateTimeOffset(2001, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var farFuture = NewRun(job.Id, new DateTimeOffset(2200, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await InsertRunsAsync(past, farFuture);

        var claimed = (await Driver.ClaimRunsAsync(new ClaimRunsParams("node-1", 10, Lease), Ct)).Runs;

        var run = Assert.Single(claimed);
        Assert.Equal(past.Id, run.Id);
        Assert.True(run.StartedAt > past.ReadyAt && run.StartedAt < farFuture.ReadyAt);
        Assert.Equal(run.StartedAt + Lease, run.LeaseExpiresAt);
    }

    [Fact]
    public async Task ExtendLeasesAsync_CurrentTokens_ExtendOnlyThoseLeases()
    {
        var held = await InsertAndClaimAsync();
        var completed = await InsertAndClaimAsync();
        Assert.True(await CompleteAsync(new RunCompletion(completed.Id, completed.LeaseToken!, RunState.Succeeded), T0));
        var later = T0.AddSeconds(20);

        var result = await Driver.ExtendLeasesAsync(
            new ExtendLeasesParams(
                [
                    new RunLease(held.Id, held.LeaseToken!),
                    new RunLease(held.Id, "not-the-token"),
                    new RunLease(completed.Id, completed.LeaseToken!),
                    new RunLease(NewId(), "unknown"),
                ],
                TimeSpan.FromMinutes(2),
                later),
            Ct);

        Assert.Equal([held.Id], result.Extended);
        Assert.Equal(held with { LeaseExpiresAt = later.AddMinutes(2) }, await GetRunAsync(held.Id));
        Assert.Null((await GetRunAsync(completed.Id)).LeaseExpiresAt);
    }

    [Fact]
    public async Task CompleteRunsAsync_Success_RecordsTheOutcomeAndClearsTheLease()
    {
        var run = await InsertAndClaimAsync();
        var now = T0.AddSeconds(4);

        var accepted = await CompleteAsync(
            new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded, ExitCode: 0, HttpStatus: 204, Output: "ok"),
            now);

        Assert.True(accepted);
        var expected = run with
        {
            State = RunState.Succeeded,
            FinishedAt = now,
            ExitCode = 0,
            HttpStatus = 204,
            Output = "ok",
            LeaseOwner = null,
            LeaseToken = null,
            LeaseExpiresAt = null,
        };
        Assert.Equal(expected, await GetRunAsync(run.Id));
    }

    [Theory]
    [InlineData(RunState.Failed)]
    [InlineData(RunState.Dead)]
    [InlineData(RunState.Cancelled)]
    public async Task CompleteRunsAsync_FinalFailure_RecordsTheError(RunState state)
    {
        var run = await InsertAndClaimAsync();

        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, state, ExitCode: 2, Error: "exit 2"), T0.AddSeconds(1)));

        var stored = await GetRunAsync(run.Id);
        Assert.Equal((state, T0.AddSeconds(1), 2, "exit 2", null), (stored.State, stored.FinishedAt, stored.ExitCode, stored.Error, stored.LeaseToken));
    }

    [Fact]
    public async Task CompleteRunsAsync_SecondCompletionWithTheSameToken_IsRejected()
    {
        var run = await InsertAndClaimAsync();
        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded), T0.AddSeconds(1)));
        var afterFirst = await GetRunAsync(run.Id);

        var again = await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Failed, Error: "late"), T0.AddSeconds(2));

        Assert.False(again);
        Assert.Equal(afterFirst, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task CompleteRunsAsync_OneBatchWithARunTwice_JudgesEachInOrder()
    {
        var run = await InsertAndClaimAsync();
        var other = await InsertAndClaimAsync();

        var result = await Driver.CompleteRunsAsync(
            new CompleteRunsParams(
            [
                new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded),
                new RunCompletion(other.Id, "forged", RunState.Succeeded),
                new RunCompletion(run.Id, run.LeaseToken!, RunState.Failed, Error: "late"),
                new RunCompletion(other.Id, other.LeaseToken!, RunState.Failed, Error: "boom"),
            ],
            T0.AddSeconds(1)),
            Ct);

        Assert.Equal([true, false, false, true], result.Accepted);
        var first = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, null, T0.AddSeconds(1)), (first.State, first.Error, first.FinishedAt));
        var second = await GetRunAsync(other.Id);
        Assert.Equal((RunState.Failed, "boom", null), (second.State, second.Error, second.LeaseToken));
    }

    [Fact]
    public async Task CompleteRunsAsync_WrongToken_IsRejected()
    {
        var run = await InsertAndClaimAsync();

        Assert.False(await CompleteAsync(new RunCompletion(run.Id, "forged", RunState.Succeeded), T0.AddSeconds(1)));

        Assert.Equal(run, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task CompleteRunsAsync_Retry_QueuesTheNextAttemptAndKeepsTheFailedOutcome()
    {
        var run = await InsertAndClaimAsync();
        var retryAt = T0.AddMinutes(5);

        Assert.True(await CompleteAsync(
            new RunCompletion(run.Id, run.LeaseToken!, RunState.Queued, retryAt, ExitCode: 1, HttpStatus: 500, Error: "HTTP 500", Output: "oops"),
            T0.AddSeconds(3)));

        var expected = run with
        {
            State = RunState.Queued,
            Attempt = 2,
            ReadyAt = retryAt,
            ExitCode = 1,
            HttpStatus = 500,
            Error = "HTTP 500",
            Output = "oops",
            LeaseOwner = null,
            LeaseToken = null,
            LeaseExpiresAt = null,
            StartedAt = null,
        };
        Assert.Equal(expected, await GetRunAsync(run.Id));
        Assert.Empty(await ClaimAsync("node-2", retryAt.AddTicks(-10)));
        var next = Assert.Single(await ClaimAsync("node-2", retryAt));
        Assert.Equal((2, "node-2"), (next.Attempt, next.Node));
        Assert.NotEqual(run.LeaseToken, next.LeaseToken);
        Assert.False(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded), retryAt));
    }

    [Fact]
    public async Task CompleteRunsAsync_RetryWithoutRetryAt_IsReadyNow()
    {
        var run = await InsertAndClaimAsync();

        Assert.True(await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Queued, Error: "x"), T0.AddSeconds(9)));

        var stored = await GetRunAsync(run.Id);
        Assert.Equal((RunState.Queued, T0.AddSeconds(9), 2), (stored.State, stored.ReadyAt, stored.Attempt));
    }

    [Fact]
    public async Task CompleteRunsAsync_Batch_AcceptsEachCompletionOnItsOwn()
    {
        var a = await InsertAndClaimAsync();
        var b = await InsertAndClaimAsync();
        var queued = NewRun((await InsertJobAsync(NewJob())).Id, T0.AddHours(1));
        await InsertRunsAsync(queued);

        var result = await Driver.CompleteRunsAsync(
            new CompleteRunsParams(
                [
                    new RunCompletion(a.Id, a.LeaseToken!, RunState.Succeeded),
                    new RunCompletion(b.Id, "stale", RunState.Succeeded),
                    new RunCompletion(queued.Id, "none", RunState.Succeeded),
                    new RunCompletion(b.Id, b.LeaseToken!, RunState.Failed),
                    new RunCompletion(a.Id, a.LeaseToken!, RunState.Failed),
                ],
                T0.AddSeconds(1)),
            Ct);

        Assert.Equal([true, false, false, true, false], result.Accepted);
        Assert.Equal(RunState.Succeeded, (await GetRunAsync(a.Id)).State);
        Assert.Equal(RunState.Failed, (await GetRunAsync(b.Id)).State);
        Assert.Equal(queued, await GetRunAsync(queued.Id));
    }

    [Fact]
    public async Task CompleteRunsAsync_RunningIsNotAnOutcome_ThrowsAndWritesNothing()
    {
        var run = await InsertAndClaimAsync();

        await Assert.ThrowsAsync<ArgumentException>(() => Driver.CompleteRunsAsync(
            new CompleteRunsParams(
                [new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded), new RunCompletion(run.Id, run.LeaseToken!, RunState.Running)],
                T0),
            Ct));

        Assert.Equal(run, await GetRunAsync(run.Id));
    }
}
