using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Queue targets: workers lease queue runs by priority then oldest slot, within each queue's limit; nodes never claim
/// them; heartbeats and completions are fenced by the token; snoozes keep the attempt; workers and queues are listed.
/// </summary>
public abstract partial class StorageConformanceTests
{
    protected const string EmailTarget = """{"type":"queue","queue":"emails","job_type":"email_send"}""";

    /// <summary>A queued run of <paramref name="queue"/> for a slot of <paramref name="jobId"/>.</summary>
    protected RunRecord NewQueueRun(string jobId, DateTimeOffset scheduledFor, string queue = "emails", int priority = 0) =>
        NewRun(jobId, scheduledFor) with { Queue = queue, Priority = priority, Target = EmailTarget };

    protected async Task<IReadOnlyList<RunRecord>> LeaseAsync(string worker, DateTimeOffset now, int limit, params string[] queues) =>
        (await Driver.LeaseQueueRunsAsync(new LeaseQueueRunsParams(worker, queues, limit, Lease, now), Ct)).Runs;

    [Fact]
    public async Task LeaseQueueRunsAsync_ReadyRuns_LeasesByPriorityThenOldestSlotAcrossQueues()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var oldLow = NewQueueRun(job.Id, T0.AddMinutes(-9));
        var newHigh = NewQueueRun(job.Id, T0.AddMinutes(-1), "reports", priority: 5);
        var oldHigh = NewQueueRun(job.Id, T0.AddMinutes(-2), priority: 5);
        // A retry of an old slot, ready later: still ordered by its slot once ready.
        var retried = NewQueueRun(job.Id, T0.AddMinutes(-10)) with { ReadyAt = T0.AddMinutes(-1), Attempt = 2 };
        var notReady = NewQueueRun(job.Id, T0.AddMinutes(-20)) with { ReadyAt = T0.AddMinutes(1) };
        var otherQueue = NewQueueRun(job.Id, T0.AddMinutes(-30), "sms", priority: 9);
        await InsertRunsAsync(oldLow, newHigh, oldHigh, retried, notReady, otherQueue);

        var first = await LeaseAsync("worker:w1", T0, 3, "emails", "reports");
        var rest = await LeaseAsync("worker:w2", T0, 10, "emails", "reports");

        Assert.Equal([oldHigh.Id, newHigh.Id, retried.Id], first.Select(r => r.Id));
        Assert.Equal([oldLow.Id], rest.Select(r => r.Id));
        Assert.Empty(await LeaseAsync("worker:w3", T0, 10, "emails", "reports"));
        Assert.Equal(RunState.Queued, (await GetRunAsync(otherQueue.Id)).State);
        Assert.Equal(RunState.Queued, (await GetRunAsync(notReady.Id)).State);
    }

    [Fact]
    public async Task LeaseQueueRunsAsync_LeasedRun_IsRunningWithAFreshTokenOwnedByTheWorker()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var run = NewQueueRun(job.Id, T0.AddMinutes(-1));
        await InsertRunsAsync(run);
        var now = T0.AddTicks(70);

        var leased = Assert.Single(await LeaseAsync("worker:w1", now, 5, "emails"));

        Assert.Equal(run with
        {
            State = RunState.Running,
            LeaseOwner = "worker:w1",
            Node = "worker:w1",
            LeaseToken = leased.LeaseToken,
            LeaseExpiresAt = now + Lease,
            StartedAt = now,
        }, leased);
        Assert.False(string.IsNullOrEmpty(leased.LeaseToken));
        Assert.Equal(leased, await GetRunAsync(run.Id));
    }

    [Fact]
    public async Task ClaimRunsAsync_QueueRuns_AreLeftForWorkers()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var queued = NewQueueRun(job.Id, T0.AddMinutes(-1), priority: 100);
        var nodeRun = NewRun(job.Id, T0.AddMinutes(-2));
        await InsertRunsAsync(queued, nodeRun);

        var claimed = await ClaimAsync("node-1", T0);

        Assert.Equal([nodeRun.Id], claimed.Select(r => r.Id));
        Assert.Equal(RunState.Queued, (await GetRunAsync(queued.Id)).State);
        Assert.Empty(await LeaseAsync("worker:w1", T0, 10, "default"));
    }

    [Fact]
    public async Task LeaseQueueRunsAsync_QueueWithALimit_NeverHasMoreLeasedThanTheLimit()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var runs = Enumerable.Range(0, 6).Select(i => NewQueueRun(job.Id, T0.AddMinutes(-10 + i))).ToArray();
        var reports = NewQueueRun(job.Id, T0.AddMinutes(-20), "reports");
        await InsertRunsAsync([.. runs, reports]);
        await Driver.SetQueueLimitAsync(new SetQueueLimitParams("emails", 2, T0), Ct);

        var first = await LeaseAsync("worker:w1", T0, 10, "emails", "reports");
        var second = await LeaseAsync("worker:w2", T0, 10, "emails");

        // The limit caps emails; reports has none and is leased alongside.
        Assert.Equal([reports.Id, runs[0].Id, runs[1].Id], first.Select(r => r.Id));
        Assert.Empty(second);

        // A finished run frees a place.
        Assert.True(await CompleteAsync(new RunCompletion(first[1].Id, first[1].LeaseToken!, RunState.Succeeded), T0));
        Assert.Equal([runs[2].Id], (await LeaseAsync("worker:w2", T0, 10, "emails")).Select(r => r.Id));

        // Cleared: no limit.
        await Driver.SetQueueLimitAsync(new SetQueueLimitParams("emails", null, T0), Ct);
        Assert.Equal(3, (await LeaseAsync("worker:w3", T0, 10, "emails")).Count);
    }

    [Fact]
    public async Task LeaseQueueRunsAsync_ConcurrentWorkers_LeaseEachRunOnceWithinTheLimit()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var runs = Enumerable.Range(0, 40).Select(i => NewQueueRun(job.Id, T0.AddSeconds(-100 + i))).ToArray();
        await InsertRunsAsync(runs);
        await Driver.SetQueueLimitAsync(new SetQueueLimitParams("emails", 25, T0), Ct);

        var leases = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => LeaseAsync($"worker:w{w}", T0, 5, "emails")));

        var all = leases.SelectMany(l => l).ToList();
        Assert.Equal(25, all.Count);
        Assert.Equal(all.Count, all.Select(r => r.Id).Distinct().Count());
        var queue = Assert.Single((await Driver.ListQueuesAsync(new ListQueuesParams(), Ct)).Queues);
        Assert.Equal(new QueueRecord("emails", 15, 25, 25), queue);
    }

    [Fact]
    public async Task ExtendLeasesAsync_WorkersRun_ExtendedOnlyWithTheCurrentToken()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        await InsertRunsAsync(NewQueueRun(job.Id, T0));
        var leased = Assert.Single(await LeaseAsync("worker:w1", T0, 1, "emails"));
        var later = T0.AddSeconds(10);

        var stale = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(leased.Id, "not-the-token")], Lease, later) { Worker = "worker:w1" }, Ct);
        var current = await Driver.ExtendLeasesAsync(new ExtendLeasesParams([new RunLease(leased.Id, leased.LeaseToken!)], Lease, later) { Worker = "worker:w1" }, Ct);

        Assert.Empty(stale.Extended);
        Assert.Equal([leased.Id], current.Extended);
        Assert.Equal(later + Lease, (await GetRunAsync(leased.Id)).LeaseExpiresAt);
        var worker = Assert.Single((await Driver.ListWorkersAsync(new ListWorkersParams(T0), Ct)).Workers);
        Assert.Equal(later, worker.LastSeenAt);
    }

    [Fact]
    public async Task CompleteRunsAsync_KeepAttempt_QueuesTheSameAttemptAgain()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        await InsertRunsAsync(NewQueueRun(job.Id, T0));
        var leased = Assert.Single(await LeaseAsync("worker:w1", T0, 1, "emails"));
        var wakeAt = T0.AddMinutes(5);

        Assert.True(await CompleteAsync(new RunCompletion(leased.Id, leased.LeaseToken!, RunState.Queued, wakeAt) { KeepAttempt = true }, T0.AddSeconds(1)));

        var snoozed = await GetRunAsync(leased.Id);
        Assert.Equal((RunState.Queued, 1, wakeAt, (string?)null, "emails"), (snoozed.State, snoozed.Attempt, snoozed.ReadyAt, snoozed.LeaseToken, snoozed.Queue));
        Assert.Empty(await LeaseAsync("worker:w1", wakeAt.AddTicks(-10), 1, "emails"));
        var again = Assert.Single(await LeaseAsync("worker:w2", wakeAt, 1, "emails"));
        Assert.Equal(1, again.Attempt);
        Assert.NotEqual(leased.LeaseToken, again.LeaseToken);

        // The first lease's token is stale now: its completion is refused.
        Assert.False(await CompleteAsync(new RunCompletion(leased.Id, leased.LeaseToken!, RunState.Succeeded), wakeAt));
    }

    [Fact]
    public async Task RescueRunsAsync_ExpiredWorkerLease_BackInItsQueueForTheNextAttempt()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        await InsertRunsAsync(NewQueueRun(job.Id, T0), NewQueueRun(job.Id, T0.AddSeconds(1)) with { Delivery = DeliveryGuarantee.AtMostOnce });
        var leased = await LeaseAsync("worker:w1", T0.AddSeconds(1), 2, "emails");
        Assert.Equal(2, leased.Count);

        var rescued = await Driver.RescueRunsAsync(new RescueRunsParams(10, T0.AddSeconds(1) + Lease + TimeSpan.FromSeconds(1)), Ct);

        Assert.Equal((1, 1), Counts(rescued));
        var again = Assert.Single(await LeaseAsync("worker:w2", T0.AddMinutes(2), 10, "emails"));
        Assert.Equal((leased[0].Id, 2, "worker:w2"), (again.Id, again.Attempt, again.LeaseOwner));
        Assert.Equal(RunState.Lost, (await GetRunAsync(leased[1].Id)).State);
    }

    [Fact]
    public async Task ListWorkersAsync_RecentWorkers_WithTheRunsTheyHold()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        await InsertRunsAsync(NewQueueRun(job.Id, T0), NewQueueRun(job.Id, T0.AddSeconds(1)));
        var held = await LeaseAsync("worker:busy", T0.AddSeconds(1), 2, "emails", "sms");
        await LeaseAsync("worker:idle", T0.AddSeconds(2), 2, "reports");
        await LeaseAsync("worker:gone", T0.AddSeconds(-600), 2, "emails");

        var workers = (await Driver.ListWorkersAsync(new ListWorkersParams(T0.AddSeconds(-60)), Ct)).Workers;

        Assert.Equal(["worker:busy", "worker:idle"], workers.Select(w => w.Worker));
        Assert.Equal(["emails", "sms"], workers[0].Queues);
        Assert.Equal(T0.AddSeconds(1), workers[0].LastSeenAt);
        Assert.Equal(held.Select(r => r.Id).Order(StringComparer.Ordinal), workers[0].Runs.Select(r => r.Id));
        Assert.Empty(workers[1].Runs);
    }

    [Fact]
    public async Task ListQueuesAsync_Queues_CountQueuedAndLeasedRunsWithTheirLimits()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        await InsertRunsAsync(
            NewQueueRun(job.Id, T0),
            NewQueueRun(job.Id, T0.AddSeconds(1)),
            NewQueueRun(job.Id, T0.AddSeconds(2)) with { ReadyAt = T0.AddHours(1) },
            NewQueueRun(job.Id, T0.AddSeconds(3), "reports"),
            NewRun(job.Id, T0.AddSeconds(4)));
        await LeaseAsync("worker:w1", T0.AddSeconds(5), 1, "emails");
        var limited = (await Driver.SetQueueLimitAsync(new SetQueueLimitParams("bulk", 7, T0), Ct)).Queue;

        var queues = (await Driver.ListQueuesAsync(new ListQueuesParams(), Ct)).Queues;

        Assert.Equal(new QueueRecord("bulk", 0, 0, 7), limited);
        Assert.Equal(
            [new QueueRecord("bulk", 0, 0, 7), new QueueRecord("emails", 2, 1, null), new QueueRecord("reports", 1, 0, null)],
            queues);
    }

    [Fact]
    public async Task ListRunsAsync_ByQueue_OnlyThatQueuesRunsNewestFirst()
    {
        var job = await InsertJobAsync(NewJob() with { Target = EmailTarget });
        var a = NewQueueRun(job.Id, T0);
        var b = NewQueueRun(job.Id, T0.AddSeconds(1), "reports");
        var c = NewQueueRun(job.Id, T0.AddSeconds(2));
        await InsertRunsAsync(a, b, c, NewRun(job.Id, T0.AddSeconds(3)));
        var leased = Assert.Single(await LeaseAsync("worker:w1", T0.AddSeconds(5), 1, "emails"));

        var all = await Driver.ListRunsAsync(new ListRunsParams(10) { Queue = "emails" }, Ct);
        var queued = await Driver.ListRunsAsync(new ListRunsParams(10, State: RunState.Queued) { Queue = "emails" }, Ct);

        Assert.Equal([c.Id, a.Id], all.Items.Select(r => r.Id));
        Assert.Equal(new[] { c.Id, a.Id }.Where(id => id != leased.Id), queued.Items.Select(r => r.Id));
    }

    [Fact]
    public async Task LeaseQueueRunsAsync_InvalidArguments_AreRefusedBeforeAnythingIsWritten()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => Driver.LeaseQueueRunsAsync(new LeaseQueueRunsParams("worker:w1", [], 1, Lease, T0), Ct));
        await Assert.ThrowsAsync<ArgumentException>(() => Driver.LeaseQueueRunsAsync(new LeaseQueueRunsParams(string.Empty, ["emails"], 1, Lease, T0), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Driver.LeaseQueueRunsAsync(new LeaseQueueRunsParams("worker:w1", ["emails"], 0, Lease, T0), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Driver.SetQueueLimitAsync(new SetQueueLimitParams("emails", 0, T0), Ct));
        Assert.Empty((await Driver.ListWorkersAsync(new ListWorkersParams(T0.AddYears(-10)), Ct)).Workers);
    }
}
