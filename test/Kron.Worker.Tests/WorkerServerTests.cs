using System.Text.Json;
using Kron.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kron.Worker.Tests;

/// <summary>Workers built with <c>AddKronWorker</c> against a real node: leases, heartbeats, outcomes and shutdown end to end.</summary>
public sealed class WorkerServerTests
{
    [Fact]
    public async Task Handler_Succeeds_RunEndsSucceededWithTheLeasedContext()
    {
        await using var node = await WorkerNode.StartAsync();
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(payload: """{"to":"a@example.com"}""");
        var done = await node.WaitForRunAsync(run.Id, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", done.State);
        var context = Assert.Single(node.Script.Calls);
        Assert.Equal((run.Id, run.JobId, WorkerNode.JobType, WorkerNode.Queue, 1), (context.RunId, context.JobId, context.JobType, context.Queue, context.Attempt));
        Assert.Equal("a@example.com", context.Payload?.GetProperty("to").GetString());
        Assert.True(context.LeaseExpiresAt > DateTimeOffset.UnixEpoch);
    }

    [Fact]
    public async Task Handler_RetriesOnce_SecondAttemptSucceedsWithTheSameIdempotencyKey()
    {
        await using var node = await WorkerNode.StartAsync();
        node.Script.Behavior = (c, _) => Task.FromResult(c.Attempt == 1 ? JobOutcome.Retry("smtp down") : JobOutcome.Success());
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(retries: 2);

        await AssertSucceedsAsync(node, run.Id, attempt: 2, handlerAttempts: [1, 2]);
        Assert.All(node.Script.Calls, c => Assert.Equal(run.Id, c.IdempotencyKey));
    }

    [Fact]
    public async Task Handler_Throws_IsRetriedAndTheLastErrorIsKept()
    {
        await using var node = await WorkerNode.StartAsync();
        node.Script.Behavior = (c, _) => throw new InvalidOperationException($"boom {c.Attempt}");
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(retries: 1);
        var done = await node.WaitForRunAsync(run.Id, "succeeded", "dead");

        Assert.Equal("dead", done.State);
        Assert.Equal([1, 2], node.Script.Calls.Select(c => c.Attempt));
        Assert.Contains("System.InvalidOperationException: boom 2", done.Outcome?.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_Fails_RunEndsFailedAtOnceWithAttemptsLeft()
    {
        await using var node = await WorkerNode.StartAsync();
        node.Script.Behavior = (_, _) => Task.FromResult(JobOutcome.Fail("no such user"));
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(retries: 3);
        var done = await node.WaitForRunAsync(run.Id, "succeeded", "failed", "dead");

        // Final at once, like a webhook's 4xx: failed (redrivable), not dead after the remaining attempts.
        Assert.Equal("failed", done.State);
        Assert.Equal(1, done.Attempt);
        Assert.Single(node.Script.Calls);
        Assert.Contains("no such user", done.Outcome?.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_Snoozes_RunComesBackLaterWithTheSameAttempt()
    {
        await using var node = await WorkerNode.StartAsync();
        node.Script.Behavior = (_, _) => Task.FromResult(node.Script.Calls.Count == 1 ? JobOutcome.Snooze(TimeSpan.FromMilliseconds(200)) : JobOutcome.Success());
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(retries: 0);

        await AssertSucceedsAsync(node, run.Id, attempt: 1, handlerAttempts: [1, 1]);
    }

    [Fact]
    public async Task CancelRun_WhileTheHandlerRuns_ReachesItsTokenAndTheRunEndsCancelled()
    {
        await using var node = await WorkerNode.StartAsync();
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Script.Behavior = async (context, token) =>
        {
            using var registration = token.Register(cancelled.SetResult);
            return await HandlerScript.UntilCancelledAsync(context, token);
        };
        await node.StartWorkerAsync();
        var run = await node.TriggerQueueRunAsync();
        await node.Script.Started.Task.WaitAsync(WorkerNode.WaitTimeout);

        await node.Client.CancelRunAsync(run.Id);
        await cancelled.Task.WaitAsync(WorkerNode.WaitTimeout);
        var done = await node.WaitForRunAsync(run.Id, "cancelled", "succeeded", "failed", "dead");

        Assert.Equal("cancelled", done.State);
    }

    [Fact]
    public async Task Shutdown_HandlerOutlastsTheTimeout_RunIsHandedBackAndAnotherWorkerRunsTheSameAttempt()
    {
        await using var node = await WorkerNode.StartAsync();
        node.Script.Behavior = HandlerScript.UntilCancelledAsync;
        var first = await node.StartWorkerAsync("worker-a", shutdownTimeout: TimeSpan.FromMilliseconds(200));
        var run = await node.TriggerQueueRunAsync(retries: 0);
        await node.Script.Started.Task.WaitAsync(WorkerNode.WaitTimeout);

        await first.StopAsync(TimeSpan.FromSeconds(10));
        var handedBack = await node.Client.GetRunAsync(run.Id);

        Assert.Equal("queued", handedBack.State);
        Assert.Equal(1, handedBack.Attempt);

        node.Script.Behavior = (_, _) => Task.FromResult(JobOutcome.Success());
        await node.StartWorkerAsync("worker-b");

        await AssertSucceedsAsync(node, run.Id, attempt: 1, handlerAttempts: [1, 1]);
    }

    [Fact]
    public async Task Shutdown_HandlerFinishesWithinTheTimeout_ItsOutcomeIsKept()
    {
        await using var node = await WorkerNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Script.Behavior = HandlerScript.SucceedWhen(release.Task);
        var worker = await node.StartWorkerAsync(shutdownTimeout: TimeSpan.FromSeconds(10));
        var run = await node.TriggerQueueRunAsync();
        await node.Script.Started.Task.WaitAsync(WorkerNode.WaitTimeout);

        var stopping = worker.StopAsync(TimeSpan.FromSeconds(15));
        release.SetResult();
        await stopping;

        Assert.Equal("succeeded", (await node.Client.GetRunAsync(run.Id)).State);
    }

    [Fact]
    public async Task Worker_ManyRuns_NeverMoreInFlightThanTheQueueConcurrency()
    {
        await using var node = await WorkerNode.StartAsync();
        var inFlight = 0;
        var most = 0;
        node.Script.Behavior = async (_, token) =>
        {
            var now = Interlocked.Increment(ref inFlight);
            InterlockedMax(ref most, now);
            await Task.Delay(TimeSpan.FromMilliseconds(100), TimeProvider.System, token);
            Interlocked.Decrement(ref inFlight);
            return JobOutcome.Success();
        };
        await node.StartWorkerAsync(concurrency: 2);

        var runs = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            runs.Add((await node.TriggerQueueRunAsync()).Id);
        }

        foreach (var id in runs)
        {
            Assert.Equal("succeeded", (await node.WaitForRunAsync(id, "succeeded", "failed", "dead")).State);
        }

        Assert.InRange(most, 1, 2);
    }

    [Fact]
    public async Task Workers_AWorkerWithRunsInFlight_IsListedWithItsQueues()
    {
        await using var node = await WorkerNode.StartAsync();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Script.Behavior = HandlerScript.SucceedWhen(release.Task);
        await node.StartWorkerAsync("worker-listed");
        var run = await node.TriggerQueueRunAsync();
        await node.Script.Started.Task.WaitAsync(WorkerNode.WaitTimeout);

        var workers = await node.Client.ListWorkersAsync();
        var queues = await node.Client.ListQueuesAsync();
        release.SetResult();

        var worker = Assert.Single(workers.Workers, w => w.Id == "worker-listed");
        Assert.Equal([WorkerNode.Queue], worker.Queues);
        Assert.Equal([run.Id], worker.Runs.Select(r => r.Id));
        Assert.Contains(queues.Queues, q => q.Name == WorkerNode.Queue);
    }

    [Fact]
    public async Task LeaseLost_HeartbeatsFailUntilAnotherWorkerOwnsTheRun_HandlerIsCancelledAndDoesNotComplete()
    {
        await using var node = await WorkerNode.StartAsync(new Dictionary<string, string>
        {
            ["Kron:Workers:LeaseDuration"] = "00:00:01",
            ["Kron:Rescuer:Interval"] = "00:00:00.050",
        });
        var firstCancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Script.Behavior = async (context, token) =>
        {
            if (context.Attempt == 1)
            {
                using var registration = token.Register(firstCancelled.SetResult);
                return await HandlerScript.UntilCancelledAsync(context, token);
            }

            await firstCancelled.Task.WaitAsync(token);
            return JobOutcome.Success();
        };
        var blocker = new WireFault("/heartbeat");
        // One slot, held by the stuck handler: worker-a cannot lease the rescued run itself.
        await node.StartWorkerAsync("worker-a", concurrency: 1, configure: w => w.HttpClient.AddHttpMessageHandler(blocker.CreateHandler));
        var run = await node.TriggerQueueRunAsync(retries: 2);
        await node.Script.Started.Task.WaitAsync(WorkerNode.WaitTimeout);

        // The lease runs out, the run is queued again, and worker-b leases it with a new token.
        await node.StartWorkerAsync("worker-b");
        await Eventually.TrueAsync(() => Task.FromResult(node.Script.Calls.Count == 2), WorkerNode.WaitTimeout, "worker-b to lease the rescued run");
        blocker.Active = false;
        await firstCancelled.Task.WaitAsync(WorkerNode.WaitTimeout);
        var done = await node.WaitForRunAsync(run.Id, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", done.State);
        Assert.Equal(2, done.Attempt);
        Assert.DoesNotContain(blocker.Requests, p => p.EndsWith("/complete", StringComparison.Ordinal));
        await Eventually.TrueAsync(
            () => Task.FromResult(node.Logs.Any(l => l is { Worker: "worker-a", Level: LogLevel.Warning, EventId: 7023 } && l.Message.Contains(run.Id, StringComparison.Ordinal))),
            WorkerNode.WaitTimeout,
            "worker-a to log the lost lease");
    }

    [Fact]
    public async Task ServerUnreachable_LeaseCallsFailForAWhile_WorkerLogsBacksOffAndRunsTheRunOnceItIsBack()
    {
        await using var node = await WorkerNode.StartAsync();
        var outage = new WireFault(pathSuffix: null);
        await node.StartWorkerAsync(configure: w => w.HttpClient.AddHttpMessageHandler(outage.CreateHandler));
        var run = await node.TriggerQueueRunAsync();

        await Eventually.TrueAsync(
            () => Task.FromResult(node.Logs.Count(l => l is { Level: LogLevel.Warning, EventId: 7010 or 7011 }) >= 3),
            WorkerNode.WaitTimeout,
            "three failed lease calls");
        outage.Active = false;
        var done = await node.WaitForRunAsync(run.Id, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", done.State);
        Assert.Contains("is not reachable (/v1/workers/lease dropped by the test)", node.Logs.First(l => l.EventId == 7011).Message, StringComparison.Ordinal);
        Assert.DoesNotContain(node.Logs, l => l.EventId == 7010); // unreachable: one line with the reason, no stack trace
    }

    [Fact]
    public async Task Handler_AScopedServiceThrowsOnDispose_TheOutcomeStandsAndAWarningIsLogged()
    {
        await using var node = await WorkerNode.StartAsync();
        await node.StartWorkerAsync(configure: w => w.AddHandler<DisposingHandler>("disposing").Services.AddScoped<FailingDisposable>());
        var created = await node.Client.CreateJobAsync(new Protocol.JobCreateRequest
        {
            ScheduleTime = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Target = new Protocol.TargetSpec { Type = "queue", Queue = WorkerNode.Queue, JobType = "disposing" },
        });
        var run = await node.Client.TriggerJobAsync(created.Job.Id);

        Assert.Equal("succeeded", (await node.WaitForRunAsync(run.Id, "succeeded", "failed", "dead")).State);
        Assert.Contains(node.Logs, l => l is { Level: LogLevel.Warning, EventId: 7030 } && l.Message.Contains("dispose failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_ARun_DebugLinesNameRunJobTypeQueueAndAttempt()
    {
        await using var node = await WorkerNode.StartAsync();
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync();
        await node.WaitForRunAsync(run.Id, "succeeded");
        await Eventually.TrueAsync(() => Task.FromResult(node.Logs.Any(l => l.EventId == 7021)), WorkerNode.WaitTimeout, "the finish line");

        Assert.Contains(node.Logs, l => l is { Level: LogLevel.Information, EventId: 7000 } && l.Message.Contains("emails (4)", StringComparison.Ordinal));
        var lines = node.Logs.Where(l => l.EventId is 7020 or 7021).ToList();
        Assert.All(lines, l => Assert.Equal(LogLevel.Debug, l.Level));
        Assert.Equal(
            [$"Run {run.Id} of job {run.JobId} (email_send) from queue emails started, attempt 1 of 1"],
            lines.Where(l => l.EventId == 7020).Select(l => l.Message));
        Assert.StartsWith($"Run {run.Id} of job {run.JobId} (email_send) from queue emails, attempt 1: Success after", lines.Single(l => l.EventId == 7021).Message, StringComparison.Ordinal);
    }

    private static async Task AssertSucceedsAsync(WorkerNode node, string runId, int attempt, int[] handlerAttempts)
    {
        var done = await node.WaitForRunAsync(runId, "succeeded", "failed", "dead");

        Assert.Equal(("succeeded", attempt), (done.State, done.Attempt));
        Assert.Equal(handlerAttempts, node.Script.Calls.Select(c => c.Attempt));
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    // A payload the job author wrote reaches the handler as the same JSON.
    [Fact]
    public async Task Handler_PayloadWithNesting_ArrivesUnchanged()
    {
        await using var node = await WorkerNode.StartAsync();
        await node.StartWorkerAsync();

        var run = await node.TriggerQueueRunAsync(payload: """{"to":["a@example.com","b@example.com"],"meta":{"n":1.5}}""");
        await node.WaitForRunAsync(run.Id, "succeeded");

        var payload = Assert.Single(node.Script.Calls).Payload!.Value;
        Assert.Equal(2, payload.GetProperty("to").GetArrayLength());
        Assert.Equal(JsonValueKind.Number, payload.GetProperty("meta").GetProperty("n").ValueKind);
    }

    private sealed class FailingDisposable : IDisposable
    {
        public void Dispose() => throw new InvalidOperationException("dispose failed");
    }

    private sealed class DisposingHandler(FailingDisposable resource) : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            GC.KeepAlive(resource);
            return Task.FromResult(JobOutcome.Success());
        }
    }
}
