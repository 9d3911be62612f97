using Kron.Core.Model;
using Kron.Engine.Queues;
using Kron.Storage;
using Kron.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="QueueLeaser"/> on a real SQLite file with a manual clock: a fired queue job waits for a worker (never for
/// the node), the long-poll wakes when runs become ready, outcomes map to the run state machine, and runs leased into
/// an abandoned long-poll go back to their queue.
/// </summary>
public sealed class QueueLeaserTests
{
    private const string EmailTarget = """{"type":"queue","queue":"emails","job_type":"email_send"}""";

    private static QueueLeaser Leaser(EngineHarness harness, EngineSignals signals) =>
        new(harness.Storage, signals, harness.Clock, Options.Create(new QueueLeaserOptions()), NullLogger<QueueLeaser>.Instance);

    [Fact]
    public async Task FiredQueueJob_WaitsInItsQueue_NeverClaimedOrPreClaimedByTheNode()
    {
        await using var harness = await EngineHarness.StartAsync();
        var job = await harness.AddJobAsync(TestJobs.Once(TestJobs.T0, EmailTarget));

        await harness.FireAndClaimTrigger.RunOnceAsync(CancellationToken.None);
        var claimed = await harness.DispatchAsync();

        var run = await harness.SingleRunAsync(job.Id);
        Assert.Equal(0, claimed);
        Assert.Equal((RunState.Queued, "emails", (string?)null), (run.State, run.Queue, run.LeaseOwner));
        var leased = Assert.Single(await Leaser(harness, new EngineSignals()).LeaseAsync("w1", ["emails"], 10, TimeSpan.Zero, CancellationToken.None));
        Assert.Equal((run.Id, "worker:w1"), (leased.Id, leased.LeaseOwner));
    }

    [Fact]
    public async Task LeaseAsync_Waiting_AnswersWhenRunsBecomeReady()
    {
        await using var harness = await EngineHarness.StartAsync();
        var signals = new EngineSignals();
        var leaser = Leaser(harness, signals);
        var job = await harness.AddJobAsync(TestJobs.Once(TestJobs.T0, EmailTarget));

        var waiting = leaser.LeaseAsync("w1", ["emails"], 10, TimeSpan.FromSeconds(20), CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(harness.Clock.PendingTimers > 0), EngineHarness.WaitTimeout, "the long-poll to wait");
        Assert.False(waiting.IsCompleted);
        await harness.FireAsync();
        signals.WakeDispatcher();

        var runs = await waiting.WaitAsync(EngineHarness.WaitTimeout);
        Assert.Equal(job.Id, Assert.Single(runs).JobId);
    }

    [Fact]
    public async Task LeaseAsync_NothingReady_EmptyOnceTheWaitPassed()
    {
        await using var harness = await EngineHarness.StartAsync();
        var leaser = Leaser(harness, new EngineSignals());

        var waiting = leaser.LeaseAsync("w1", ["emails"], 10, TimeSpan.FromSeconds(1), CancellationToken.None);
        for (var i = 0; i < 10 && !waiting.IsCompleted; i++)
        {
            await Eventually.TrueAsync(() => Task.FromResult(harness.Clock.PendingTimers > 0 || waiting.IsCompleted), EngineHarness.WaitTimeout, "the long-poll to wait or end");
            harness.Clock.Advance(QueueLeaserOptions.DefaultPollInterval);
        }

        Assert.Empty(await waiting.WaitAsync(EngineHarness.WaitTimeout));
    }

    [Fact]
    public async Task ReturnAsync_RunsOfAnAbandonedLongPoll_BackInTheQueueWithTheSameAttempt()
    {
        await using var harness = await EngineHarness.StartAsync();
        var leaser = Leaser(harness, new EngineSignals());
        var job = await harness.AddJobAsync(TestJobs.Once(TestJobs.T0, EmailTarget));
        await harness.FireAsync();
        var leased = await leaser.LeaseAsync("gone", ["emails"], 10, TimeSpan.Zero, CancellationToken.None);

        await leaser.ReturnAsync(leased, CancellationToken.None);

        var run = await harness.SingleRunAsync(job.Id);
        Assert.Equal((RunState.Queued, 1, (string?)null), (run.State, run.Attempt, run.LeaseToken));
        Assert.Equal(run.Id, Assert.Single(await leaser.LeaseAsync("w2", ["emails"], 10, TimeSpan.Zero, CancellationToken.None)).Id);
    }

    [Theory]
    [InlineData(WorkerOutcomeKind.Succeeded, true, 1, RunState.Succeeded)]
    [InlineData(WorkerOutcomeKind.Failed, true, 1, RunState.Queued)]
    [InlineData(WorkerOutcomeKind.Failed, true, 3, RunState.Dead)]
    [InlineData(WorkerOutcomeKind.Failed, false, 1, RunState.Failed)]
    [InlineData(WorkerOutcomeKind.Snoozed, true, 3, RunState.Queued)]
    [InlineData(WorkerOutcomeKind.Cancelled, true, 1, RunState.Cancelled)]
    public void ToCompletion_EachOutcome_FollowsTheRunStateMachine(WorkerOutcomeKind kind, bool retry, int attempt, RunState expected)
    {
        var run = new RunRecord
        {
            Id = "r",
            JobId = "j",
            ScheduledFor = TestJobs.T0,
            ReadyAt = TestJobs.T0,
            Target = EmailTarget,
            Attempt = attempt,
            MaxAttempts = 3,
            Retry = TestJobs.ExactBackoff,
        };
        var outcome = new WorkerOutcome(kind) { Retry = retry, Snooze = TimeSpan.FromMinutes(5), RetryAfter = TimeSpan.FromSeconds(1) };

        var completion = QueueLeaser.ToCompletion(run, "token", outcome, TestJobs.T0);

        Assert.Equal(expected, completion.State);
        Assert.Equal(kind == WorkerOutcomeKind.Snoozed, completion.KeepAttempt);
        var readyAt = (kind, expected) switch
        {
            (WorkerOutcomeKind.Snoozed, _) => TestJobs.T0.AddMinutes(5),
            (_, RunState.Queued) => TestJobs.T0.AddSeconds(10), // the job's backoff (10 s) beats the 1 s retry_after
            _ => (DateTimeOffset?)null,
        };
        Assert.Equal(readyAt, completion.RetryAt);
    }
}
