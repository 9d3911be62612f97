using Kron.Core.Model;
using Kron.Storage;
using Kron.Testing;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="Dispatch.RunDispatcher"/> on a real SQLite file with real executors and a manual clock: retries with
/// backoff, dead letters, non-retryable HTTP answers, Retry-After, and timeouts that follow the retry policy.
/// </summary>
public sealed class RunDispatcherTests
{
    private static readonly DateTimeOffset T0 = TestJobs.T0;

    private static async Task<RunRecord> FireOnceAsync(EngineHarness engine, JobRecord job)
    {
        await engine.AddJobAsync(job);
        Assert.Equal(1, (await engine.FireAsync()).Fired);
        return await engine.SingleRunAsync(job.Id);
    }

    [Fact]
    public async Task Stop_WhileIdleWaitingWithARunInFlight_WaitsForTheRunAndWritesItsOutcome()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Noop(duration: TimeSpan.FromSeconds(2))));
        var timers = engine.Clock.PendingTimers;
        await engine.Dispatcher.StartAsync(CancellationToken.None);

        // The loop claimed the run (its timeout and duration are timers) and waits for work again (claim, heartbeat and
        // starter timers): stopping now used to end the loop with an exception that skipped the graceful stop.
        await Eventually.TrueAsync(() => Task.FromResult(engine.Clock.PendingTimers >= timers + 5), EngineHarness.WaitTimeout, "the run to execute and the loops to wait");
        var stopping = engine.Dispatcher.StopAsync(CancellationToken.None);
        Assert.False(stopping.IsCompleted);
        engine.Clock.Advance(TimeSpan.FromSeconds(2));
        await stopping.WaitAsync(EngineHarness.WaitTimeout);

        Assert.True(engine.Dispatcher.ExecuteTask!.IsCompletedSuccessfully, engine.Dispatcher.ExecuteTask.Status.ToString());
        Assert.Equal(RunState.Succeeded, (await engine.RunAsync(run.Id)).State);
    }

    [Fact]
    public async Task Dispatch_FailingRunWithRetries_IsQueuedWithBackoffThenDeadAfterTheLastAttempt()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Noop(failRate: 1)) with { Retries = 2 });

        Assert.Equal(1, await engine.DispatchAsync());
        var first = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Queued, 2, 3, T0.AddSeconds(10)), (first.State, first.Attempt, first.MaxAttempts, first.ReadyAt));
        Assert.Contains("simulated failure", first.Error, StringComparison.Ordinal);

        engine.Clock.Advance(TimeSpan.FromSeconds(9));
        Assert.Equal(0, await engine.DispatchAsync());
        engine.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await engine.DispatchAsync());
        var second = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Queued, 3, T0.AddSeconds(10 + 20)), (second.State, second.Attempt, second.ReadyAt));

        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(1, await engine.DispatchAsync());
        var dead = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Dead, 3), (dead.State, dead.Attempt));
        Assert.Equal(T0.AddSeconds(30), dead.FinishedAt);
        Assert.Single(await engine.RunsAsync(run.JobId, RunState.Dead));

        engine.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await engine.DispatchAsync());
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Dispatch_Http4xx_FailsWithoutRetry(int status)
    {
        using var target = new RecordingHttpServer(_ => new HttpAnswer(status));
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Http(target.Url)) with { Retries = 3 });

        await engine.DispatchAsync();
        engine.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await engine.DispatchAsync());

        var failed = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Failed, 1, status), (failed.State, failed.Attempt, failed.HttpStatus));
        Assert.Contains("not retried", failed.Error, StringComparison.Ordinal);
        Assert.Single(target.Requests);
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(503)]
    public async Task Dispatch_HttpRetryableAnswerThenSuccess_RetriesWithTheSameIdempotencyKey(int status)
    {
        using var target = new RecordingHttpServer(r => r.Header("Kron-Attempt") == "1" ? new HttpAnswer(status) : HttpAnswer.Ok);
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Http(target.Url)) with { Retries = 3 });

        await engine.DispatchAsync();
        var retrying = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Queued, 2, status, T0.AddSeconds(10)), (retrying.State, retrying.Attempt, retrying.HttpStatus, retrying.ReadyAt));

        engine.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await engine.DispatchAsync());

        var succeeded = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, 2, 200), (succeeded.State, succeeded.Attempt, succeeded.HttpStatus));
        Assert.Equal(["1", "2"], target.Requests.Select(r => r.Header("Kron-Attempt")));
        Assert.All(target.Requests, r => Assert.Equal(run.Id, r.Header("Idempotency-Key")));
    }

    [Fact]
    public async Task Dispatch_Http429WithRetryAfterLongerThanTheBackoff_WaitsAsLongAsAsked()
    {
        using var target = new RecordingHttpServer(r => r.Header("Kron-Attempt") == "1"
            ? new HttpAnswer(429, new Dictionary<string, string> { ["Retry-After"] = "120" })
            : HttpAnswer.Ok);
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Http(target.Url)) with { Retries = 3 });

        await engine.DispatchAsync();
        var retrying = await engine.RunAsync(run.Id);
        Assert.Equal(RunState.Queued, retrying.State);
        Assert.True(retrying.ReadyAt >= T0.AddSeconds(120), $"ready_at {retrying.ReadyAt:O} is less than 120 s after {T0:O}");

        engine.Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await engine.DispatchAsync());
        engine.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await engine.DispatchAsync());
        Assert.Equal(RunState.Succeeded, (await engine.RunAsync(run.Id)).State);
    }

    [Fact]
    public async Task Dispatch_Http503WithRetryAfterShorterThanTheBackoff_KeepsTheBackoff()
    {
        using var target = new RecordingHttpServer(_ => new HttpAnswer(503, new Dictionary<string, string> { ["Retry-After"] = "2" }));
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Http(target.Url)) with { Retries = 1 });

        await engine.DispatchAsync();

        Assert.Equal(T0.AddSeconds(10), (await engine.RunAsync(run.Id)).ReadyAt);
    }

    [Fact]
    public async Task Dispatch_ShellCommandOutlivingItsTimeout_IsKilledFailsWithTimedOutAndFollowsTheRetryPolicy()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = TestJobs.Once(T0, TestJobs.Shell("echo $$ > pid-$KRON_ATTEMPT; exec sleep 30")) with
        {
            Retries = 1,
            Timeout = TimeSpan.FromSeconds(5),
        };
        var run = await FireOnceAsync(engine, job);

        Assert.Equal(1, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));
        var firstPid = await engine.WaitForPidFileAsync("pid-1");
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await engine.DrainAsync();

        var retrying = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Queued, 2, T0.AddSeconds(5 + 10)), (retrying.State, retrying.Attempt, retrying.ReadyAt));
        Assert.Equal("timed out after PT5S", retrying.Error);
        await EngineHarness.WaitUntilGoneAsync(firstPid);

        engine.Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(1, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));
        var secondPid = await engine.WaitForPidFileAsync("pid-2");
        engine.Clock.Advance(TimeSpan.FromSeconds(5));
        await engine.DrainAsync();

        var dead = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Dead, 2, "timed out after PT5S"), (dead.State, dead.Attempt, dead.Error));
        await EngineHarness.WaitUntilGoneAsync(secondPid);
    }

    [Fact]
    public async Task CancelInFlight_RunningShellRun_KillsItAndEndsCancelled()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Shell("echo $$ > pid; exec sleep 30")) with { Retries = 3 });
        Assert.Equal(1, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));
        var pid = await engine.WaitForPidFileAsync("pid");

        Assert.True(await engine.Dispatcher.CancelInFlightAsync(run.Id));
        await engine.DrainAsync();

        var cancelled = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Cancelled, 1), (cancelled.State, cancelled.Attempt));
        Assert.Contains("cancelled while running", cancelled.Error, StringComparison.Ordinal);
        Assert.NotNull(cancelled.FinishedAt);
        await EngineHarness.WaitUntilGoneAsync(pid);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await engine.DispatchAsync());
    }

    [Fact]
    public async Task CancelInFlight_RunNotExecutingHere_ReturnsFalse()
    {
        await using var engine = await EngineHarness.StartAsync();

        Assert.False(await engine.Dispatcher.CancelInFlightAsync("0123456789abcdef0123456789abcdef"));
    }

    [Fact]
    public async Task RenewLeases_CancelRequestedThroughStorage_StopsTheRunAtTheHeartbeat()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Noop(duration: TimeSpan.FromHours(1))));
        Assert.Equal(1, await engine.StartParkedAsync());

        var requested = await engine.Storage.CancelRunAsync(new CancelRunParams(run.Id, "test"), CancellationToken.None);
        Assert.Equal(CancelRunOutcome.Requested, requested.Outcome);
        Assert.True((await engine.RunAsync(run.Id)).CancelRequested);
        await engine.Dispatcher.RenewLeasesAsync(CancellationToken.None);
        await engine.DrainAsync();

        Assert.Equal(RunState.Cancelled, (await engine.RunAsync(run.Id)).State);
    }

    [Fact]
    public async Task CancelInFlight_RacingTheEndOfTheRun_NeverThrows()
    {
        // Regression: a run finishing between the lookup and the cancel had its token source disposed already, and
        // the cancel threw ObjectDisposedException (a 500 from POST /v1/runs/{id}/cancel). A race, so many rounds.
        await using var engine = await EngineHarness.StartAsync();
        for (var i = 0; i < 100; i++)
        {
            var job = await engine.AddJobAsync(TestJobs.Once(T0.AddMilliseconds(-i), TestJobs.Noop()));
            await engine.FireAsync();
            var run = await engine.SingleRunAsync(job.Id);
            Assert.Equal(1, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));
            for (var k = 0; k < 1_000_000 && engine.Dispatcher.InFlightCount > 0; k++)
            {
                await engine.Dispatcher.CancelInFlightAsync(run.Id);
            }

            await engine.DrainAsync();
            Assert.Contains((await engine.RunAsync(run.Id)).State, new[] { RunState.Succeeded, RunState.Cancelled });
        }
    }

    [Fact]
    public async Task RenewLeases_FinishedRunWhoseCompletionIsNotWrittenYet_KeepsItsLeaseSoItIsNotRescuedAndRunTwice()
    {
        await using var engine = await EngineHarness.StartAsync();
        var run = await FireOnceAsync(engine, TestJobs.Once(T0, TestJobs.Noop()));

        // The execution ends at once; its completion waits in the dispatcher (no writer loop runs in this harness).
        Assert.Equal(1, await engine.Dispatcher.RunOnceAsync(CancellationToken.None));
        await Eventually.TrueAsync(() => Task.FromResult(engine.Dispatcher.InFlightCount == 0), EngineHarness.WaitTimeout, "the execution to end");
        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        await engine.Dispatcher.RenewLeasesAsync(CancellationToken.None);
        engine.Clock.Advance(TimeSpan.FromSeconds(20));
        var rescued = await engine.Rescuer.RunOnceAsync(CancellationToken.None);
        await engine.DrainAsync();

        Assert.Equal((0, 0), Counts(rescued));
        var done = await engine.RunAsync(run.Id);
        Assert.Equal((RunState.Succeeded, 1), (done.State, done.Attempt));
    }

    private static (int Requeued, int Lost) Counts(RescueRunsResult result) => (result.Requeued, result.Lost);
}
