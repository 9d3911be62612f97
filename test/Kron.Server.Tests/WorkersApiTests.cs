using System.Net;
using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Server.Tests;

/// <summary>
/// The worker protocol on a real node and SQLite file: lease (long-poll), heartbeat, complete with each outcome, the
/// fencing of stale tokens, expiry and re-lease, queue limits, and the workers and queues views.
/// </summary>
public sealed class WorkersApiTests
{
    private static JsonObject QueueJob(string queue = "emails", string jobType = "email_send", int retries = 0, int priority = 0, JsonObject? payload = null) => new()
    {
        ["schedule_time"] = JobBodies.Rfc3339(TimeProvider.System.GetUtcNow()),
        ["target"] = new JsonObject { ["type"] = "queue", ["queue"] = queue, ["job_type"] = jobType },
        ["retries"] = retries,
        ["retry"] = new JsonObject { ["initial_interval"] = "PT0.1S", ["jitter"] = "none" },
        ["priority"] = priority,
        ["payload"] = payload,
    };

    private static JsonObject Lease(string worker, string wait = "PT10S", int max = 1, params string[] queues) => new()
    {
        ["worker"] = worker,
        ["queues"] = new JsonArray([.. (queues.Length == 0 ? ["emails"] : queues).Select(q => (JsonNode)q)]),
        ["max"] = max,
        ["wait"] = wait,
    };

    /// <summary>Leases until <paramref name="count"/> runs came back (each call long-polls), asserting 200 each time.</summary>
    private static async Task<List<JsonObject>> LeaseAsync(TestNode node, JsonObject request, int count = 1)
    {
        var runs = new List<JsonObject>();
        await Eventually.TrueAsync(
            async () =>
            {
                var response = await node.PostAsync("/v1/workers/lease", request);
                Assert.True(response.Status == HttpStatusCode.OK, response.Body);
                runs.AddRange(response.Object["runs"]!.AsArray().Select(r => r!.AsObject()));
                return runs.Count >= count;
            },
            TimeSpan.FromSeconds(30),
            $"{count} runs to be leased");
        return runs;
    }

    private static Task<ApiResponse> CompleteAsync(TestNode node, JsonObject run, JsonObject outcome)
    {
        outcome["lease_token"] = (string)run["lease_token"]!;
        return node.PostAsync($"/v1/runs/{(string)run["id"]!}/complete", outcome);
    }

    [Fact]
    public async Task QueueJob_LeasedHeartbeatCompleted_RunSucceededAndTheTokenIsSpent()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(QueueJob(payload: new JsonObject { ["to"] = "ada@example.test" }));

        var run = Assert.Single(await LeaseAsync(node, Lease("mailer-1")));

        Assert.Equal((string?)job["id"], (string?)run["job_id"]);
        Assert.Equal(("email_send", "emails", 1), ((string?)run["job_type"], (string?)run["queue"], (int)run["attempt"]!));
        Assert.Equal("ada@example.test", (string?)run["payload"]!["to"]);
        Assert.Equal((string?)run["id"], (string?)run["idempotency_key"]);
        Assert.False(string.IsNullOrEmpty((string?)run["lease_token"]));
        var heartbeat = await node.PostAsync($"/v1/runs/{(string)run["id"]!}/heartbeat", new JsonObject { ["lease_token"] = (string)run["lease_token"]! });
        Assert.True(heartbeat.Status == HttpStatusCode.OK, heartbeat.Body);
        Assert.False((bool)heartbeat.Object["cancel_requested"]!);
        Assert.True(heartbeat.Object["lease_expires_at"].Instant() > TimeProvider.System.GetUtcNow());

        var done = await CompleteAsync(node, run, new JsonObject { ["status"] = "succeeded", ["output"] = "sent" });

        Assert.True(done.Status == HttpStatusCode.OK, done.Body);
        Assert.Equal(("succeeded", "worker:mailer-1", "emails", "sent"), ((string?)done.Object["state"], (string?)done.Object["node"], (string?)done.Object["queue"], (string?)done.Object["output"]));
        var again = (await CompleteAsync(node, run, new JsonObject { ["status"] = "succeeded" })).Problem(HttpStatusCode.Conflict);
        Assert.Contains("no longer current", (string?)again["detail"], StringComparison.Ordinal);
        (await node.PostAsync($"/v1/runs/{(string)run["id"]!}/heartbeat", new JsonObject { ["lease_token"] = (string)run["lease_token"]! })).Problem(HttpStatusCode.Conflict);
        var listed = (await node.GetAsync("/v1/runs?queue=emails")).Object["items"]!.AsArray();
        Assert.Equal((string?)run["id"], (string?)Assert.Single(listed)!["id"]);
    }

    [Fact]
    public async Task Lease_NothingReady_AnswersEmptyOnceTheWaitPassed()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.PostAsync("/v1/workers/lease", Lease("idle", wait: "PT0.2S"));

        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Empty(response.Object["runs"]!.AsArray());
    }

    [Fact]
    public async Task Lease_WaitingWhenARunBecomesReady_AnswersWithIt()
    {
        await using var node = await TestNode.StartAsync();
        var waiting = node.PostAsync("/v1/workers/lease", Lease("w1", wait: "PT30S"));
        await Eventually.TrueAsync(async () => (await node.GetAsync("/v1/workers")).Object["workers"]!.AsArray().Count == 1, TimeSpan.FromSeconds(10), "the worker's long-poll to be waiting");

        var job = await node.CreateJobAsync(QueueJob());

        var response = await waiting;
        Assert.True(response.Status == HttpStatusCode.OK, response.Body);
        Assert.Equal((string?)job["id"], (string?)Assert.Single(response.Object["runs"]!.AsArray())!["job_id"]);
    }

    [Fact]
    public async Task Complete_FailedWithAttemptsLeft_RetriedThenDead()
    {
        await using var node = await TestNode.StartAsync();
        await node.CreateJobAsync(QueueJob(retries: 1));

        var first = Assert.Single(await LeaseAsync(node, Lease("w1")));
        var retried = await CompleteAsync(node, first, new JsonObject { ["status"] = "failed", ["error"] = "smtp 451" });
        var second = Assert.Single(await LeaseAsync(node, Lease("w2")));
        var dead = await CompleteAsync(node, second, new JsonObject { ["status"] = "failed", ["error"] = "smtp 451 again" });

        Assert.Equal(("queued", 2, "smtp 451"), ((string?)retried.Object["state"], (int)retried.Object["attempt"]!, (string?)retried.Object["outcome"]!["error"]));
        Assert.Equal(((string?)first["id"], 2), ((string?)second["id"], (int)second["attempt"]!));
        Assert.Equal((string?)first["idempotency_key"], (string?)second["idempotency_key"]);
        Assert.Equal(("dead", "smtp 451 again"), ((string?)dead.Object["state"], (string?)dead.Object["outcome"]!["error"]));
    }

    [Fact]
    public async Task Complete_FailedWithoutRetry_FailedAtOnceWithAttemptsLeft()
    {
        await using var node = await TestNode.StartAsync();
        await node.CreateJobAsync(QueueJob(retries: 5));
        var run = Assert.Single(await LeaseAsync(node, Lease("w1")));

        var done = await CompleteAsync(node, run, new JsonObject { ["status"] = "failed", ["error"] = "no such mailbox", ["retry"] = false });

        Assert.Equal(("failed", 1), ((string?)done.Object["state"], (int)done.Object["attempt"]!));
    }

    [Fact]
    public async Task Complete_Snoozed_QueuedAgainWithTheSameAttemptAfterTheDelay()
    {
        await using var node = await TestNode.StartAsync();
        await node.CreateJobAsync(QueueJob(retries: 0));
        var run = Assert.Single(await LeaseAsync(node, Lease("w1")));
        var before = TimeProvider.System.GetUtcNow();

        var snoozed = await CompleteAsync(node, run, new JsonObject { ["status"] = "snoozed", ["snooze"] = "PT1S" });

        Assert.Equal(("queued", 1), ((string?)snoozed.Object["state"], (int)snoozed.Object["attempt"]!));
        Assert.True(snoozed.Object["ready_at"].Instant() >= before.AddSeconds(1));
        var again = Assert.Single(await LeaseAsync(node, Lease("w2")));
        Assert.Equal(((string?)run["id"], 1), ((string?)again["id"], (int)again["attempt"]!));
        Assert.True(TimeProvider.System.GetUtcNow() >= before.AddSeconds(1));
    }

    [Fact]
    public async Task Cancel_RunningQueueRun_HeartbeatAsksTheWorkerToStop()
    {
        await using var node = await TestNode.StartAsync();
        await node.CreateJobAsync(QueueJob());
        var run = Assert.Single(await LeaseAsync(node, Lease("w1")));

        var cancel = await node.PostAsync($"/v1/runs/{(string)run["id"]!}/cancel");
        var heartbeat = await node.PostAsync($"/v1/runs/{(string)run["id"]!}/heartbeat", new JsonObject { ["lease_token"] = (string)run["lease_token"]! });
        var done = await CompleteAsync(node, run, new JsonObject { ["status"] = "cancelled" });

        Assert.Equal(HttpStatusCode.Accepted, cancel.Status);
        Assert.True((bool)heartbeat.Object["cancel_requested"]!, heartbeat.Body);
        Assert.Equal("cancelled", (string?)done.Object["state"]);
    }

    [Fact]
    public async Task LeaseExpired_RunHandedToAnotherWorker_OldTokenIsRefused()
    {
        await using var node = await TestNode.StartAsync(configure: b =>
        {
            b.Configuration["Kron:Workers:LeaseDuration"] = "00:00:01";
            b.Configuration["Kron:Rescuer:Interval"] = "00:00:00.100";
        });
        await node.CreateJobAsync(QueueJob());
        var first = Assert.Single(await LeaseAsync(node, Lease("crashed")));

        // The first worker never heartbeats: the rescuer queues the run again and another worker leases it.
        var second = Assert.Single(await LeaseAsync(node, Lease("w2")));
        var stale = (await CompleteAsync(node, first, new JsonObject { ["status"] = "succeeded" })).Problem(HttpStatusCode.Conflict);
        var staleBeat = (await node.PostAsync($"/v1/runs/{(string)first["id"]!}/heartbeat", new JsonObject { ["lease_token"] = (string)first["lease_token"]! })).Problem(HttpStatusCode.Conflict);
        var done = await CompleteAsync(node, second, new JsonObject { ["status"] = "succeeded" });

        Assert.Equal(((string?)first["id"], 2), ((string?)second["id"], (int)second["attempt"]!));
        Assert.Contains("leased to worker:w2", (string?)stale["detail"], StringComparison.Ordinal);
        Assert.Contains("stop working on it", (string?)staleBeat["detail"], StringComparison.Ordinal);
        Assert.Equal(("succeeded", 2), ((string?)done.Object["state"], (int)done.Object["attempt"]!));
    }

    [Fact]
    public async Task Lease_PrioritiesAndQueueLimit_HigherFirstAndNeverMoreThanTheLimit()
    {
        await using var node = await TestNode.StartAsync();
        var limit = await node.SendAsync(HttpMethod.Put, "/v1/queues/emails", """{"max_leased": 2}""");
        Assert.True(limit.Status == HttpStatusCode.OK, limit.Body);
        var low = await node.CreateJobAsync(QueueJob(priority: 0));
        var high = await node.CreateJobAsync(QueueJob(priority: 10));
        await node.CreateJobAsync(QueueJob(priority: 5));
        await Eventually.TrueAsync(async () => (long)(await node.GetAsync("/v1/queues")).Object["queues"]!.AsArray().Single(q => (string?)q!["name"] == "emails")!["queued"]! == 3, TimeSpan.FromSeconds(10), "3 runs queued");

        var leased = await LeaseAsync(node, Lease("w1", max: 10), 2);
        var none = await node.PostAsync("/v1/workers/lease", Lease("w2", wait: "PT0.3S", max: 10));

        Assert.Equal(2, leased.Count);
        Assert.Equal((string?)high["id"], (string?)leased[0]["job_id"]);
        Assert.DoesNotContain(leased, r => (string?)r["job_id"] == (string?)low["id"]);
        Assert.Empty(none.Object["runs"]!.AsArray());
        var queue = (await node.GetAsync("/v1/queues")).Object["queues"]!.AsArray().Single(q => (string?)q!["name"] == "emails")!;
        Assert.Equal((1, 2, 2), ((int)queue["queued"]!, (int)queue["running"]!, (int)queue["max_leased"]!));
        var worker = Assert.Single((await node.GetAsync("/v1/workers")).Object["workers"]!.AsArray(), w => (string?)w!["id"] == "w1")!;
        Assert.True((bool)worker["alive"]!);
        Assert.Equal(2, worker["runs"]!.AsArray().Count);
        Assert.Equal("emails", (string?)worker["queues"]![0]);
    }

    [Fact]
    public async Task Refusals_UnknownRunNodeRunAndBadRequests_SayWhatToFix()
    {
        await using var node = await TestNode.StartAsync();
        var nodeJob = await node.CreateJobAsync(JobBodies.Noop());
        var nodeRun = await node.TriggerAsync((string)nodeJob["id"]!);

        (await node.PostAsync("/v1/runs/nope/heartbeat", new JsonObject { ["lease_token"] = "t" })).Problem(HttpStatusCode.NotFound);
        var notQueue = (await node.PostAsync($"/v1/runs/{(string)nodeRun["id"]!}/complete", new JsonObject { ["lease_token"] = "t", ["status"] = "succeeded" })).Problem(HttpStatusCode.Conflict);
        Assert.Contains("not a queue run", (string?)notQueue["detail"], StringComparison.Ordinal);
        Assert.Contains("worker must be", Assert.Single((await node.PostAsync("/v1/workers/lease", Lease("bad worker"))).FieldErrors("worker")), StringComparison.Ordinal);
        Assert.Contains("queue name", (await node.PostAsync("/v1/workers/lease", Lease("w", queues: "bad queue"))).FieldErrors("queues")[0], StringComparison.Ordinal);
        Assert.Contains("1-32 queues", (await node.PostAsync("/v1/workers/lease", new JsonObject { ["worker"] = "w", ["queues"] = new JsonArray() })).FieldErrors("queues")[0], StringComparison.Ordinal);
        Assert.Contains("max must be 1-1000", (await node.PostAsync("/v1/workers/lease", Lease("w", max: 0))).FieldErrors("max")[0], StringComparison.Ordinal);
        Assert.Contains("wait must be between PT0S and PT1M", (await node.PostAsync("/v1/workers/lease", Lease("w", wait: "PT5M"))).FieldErrors("wait")[0], StringComparison.Ordinal);
        var badStatus = await node.PostAsync($"/v1/runs/{(string)nodeRun["id"]!}/complete", new JsonObject { ["lease_token"] = "t", ["status"] = "done", ["snooze"] = "PT1M" });
        Assert.Contains("succeeded, failed, snoozed or cancelled", badStatus.FieldErrors("status")[0], StringComparison.Ordinal);
        Assert.Contains("snoozed only", badStatus.FieldErrors("snooze")[0], StringComparison.Ordinal);
        Assert.Contains("max_leased must be 1-100000", (await node.SendAsync(HttpMethod.Put, "/v1/queues/emails", """{"max_leased": 0}""")).FieldErrors("max_leased")[0], StringComparison.Ordinal);
        (await node.SendAsync(HttpMethod.Put, "/v1/queues/bad%20queue", """{"max_leased": 1}""")).Problem(HttpStatusCode.BadRequest);
    }
}
