using System.Net;
using System.Text.Json.Nodes;

namespace Kron.Engine.Tests;

/// <summary>
/// Redrive and cancel through <c>/v1/runs</c> on a real node. Tests that need a run to stay queued hold the node's
/// only executor slot with an hour-long run (see <see cref="HoldTheOnlySlotAsync"/>).
/// </summary>
public sealed class RunsApiTests
{
    private static async Task<string> DeadRunAsync(ApiNode node, string jobId) =>
        (string)(await node.WaitForRunAsync(await node.TriggerAsync(jobId), "dead"))["id"]!;

    /// <summary>Starts an hour-long run on a node with one executor slot, so that nothing else is claimed meanwhile.</summary>
    private static async Task<string> HoldTheOnlySlotAsync(ApiNode node)
    {
        var run = await node.TriggerAsync(await node.CreateJobAsync(ApiJobs.Noop(duration: "PT1H")));
        await node.WaitForRunAsync(run, "running");
        return run;
    }

    private static async Task<string?> StateAsync(ApiNode node, string runId) => (string?)(await node.GetAsync($"/v1/runs/{runId}")).Body["state"];

    [Fact]
    public async Task Retry_DeadRun_QueuesItForTheNextAttemptAndItRunsAgain()
    {
        await using var node = await ApiNode.StartAsync(maxConcurrency: 1);
        var dead = await DeadRunAsync(node, await node.CreateJobAsync(ApiJobs.Noop(failRate: 1)));
        var holder = await HoldTheOnlySlotAsync(node);

        var (status, run) = await node.PostAsync($"/v1/runs/{dead}/retry");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("queued", 2, 2), ((string?)run["state"], (int)run["attempt"]!, (int)run["max_attempts"]!));
        Assert.Null(run["finished_at"]);
        Assert.Equal("queued", await StateAsync(node, dead));
        Assert.Equal(HttpStatusCode.Accepted, (await node.PostAsync($"/v1/runs/{holder}/cancel")).Status);
        var again = await node.WaitForRunAsync(dead, "dead");
        Assert.Equal(2, (int)again["attempt"]!);
    }

    [Fact]
    public async Task Retry_SucceededRun_Returns409AndUnknownRun404()
    {
        await using var node = await ApiNode.StartAsync();
        var succeeded = await node.TriggerAsync(await node.CreateJobAsync(ApiJobs.Noop()));
        await node.WaitForRunAsync(succeeded, "succeeded");

        var (status, problem) = await node.PostAsync($"/v1/runs/{succeeded}/retry");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("is succeeded", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal("succeeded", await StateAsync(node, succeeded));
        Assert.Equal(HttpStatusCode.NotFound, (await node.PostAsync("/v1/runs/0123456789abcdef0123456789abcdef/retry")).Status);
    }

    [Fact]
    public async Task BulkRetry_ByJobId_RedrivesOnlyThatJobsDeadRunsOldestFirst()
    {
        await using var node = await ApiNode.StartAsync(maxConcurrency: 1);
        var job = await node.CreateJobAsync(ApiJobs.Noop(failRate: 1));
        var other = await node.CreateJobAsync(ApiJobs.Noop(failRate: 1));
        var first = await DeadRunAsync(node, job);
        var second = await DeadRunAsync(node, job);
        var untouched = await DeadRunAsync(node, other);
        await HoldTheOnlySlotAsync(node);

        var (status, body) = await node.PostAsync("/v1/runs/retry", new JsonObject { ["job_id"] = job });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(2, (int)body["redriven"]!);
        Assert.Equal([first, second], body["run_ids"]!.AsArray().Select(id => (string)id!));
        Assert.Equal<string?[]>(["queued", "queued", "dead"], [await StateAsync(node, first), await StateAsync(node, second), await StateAsync(node, untouched)]);
    }

    [Fact]
    public async Task BulkRetry_ByTag_RedrivesOnlyRunsOfJobsWithThatTag()
    {
        await using var node = await ApiNode.StartAsync(maxConcurrency: 1);
        var tagged = await DeadRunAsync(node, await node.CreateJobAsync(ApiJobs.Noop(failRate: 1).With(new() { ["tags"] = new JsonArray("billing") })));
        var untagged = await DeadRunAsync(node, await node.CreateJobAsync(ApiJobs.Noop(failRate: 1).With(new() { ["tags"] = new JsonArray("reports") })));
        await HoldTheOnlySlotAsync(node);

        var (status, body) = await node.PostAsync("/v1/runs/retry", new JsonObject { ["tag"] = "billing", ["states"] = new JsonArray("dead", "failed") });

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal([tagged], body["run_ids"]!.AsArray().Select(id => (string)id!));
        Assert.Equal<string?[]>(["queued", "dead"], [await StateAsync(node, tagged), await StateAsync(node, untagged)]);
    }

    [Theory]
    [InlineData("{}", "at least one of job_id, tag, from or to")]
    [InlineData("""{"states":["dead"]}""", "at least one of job_id, tag, from or to")]
    [InlineData("""{"tag":"billing","states":["succeeded"]}""", "not \"succeeded\"")]
    [InlineData("""{"tag":"billing","limit":0}""", "limit must be")]
    public async Task BulkRetry_WithoutAFilterOrWithABadState_Returns400(string json, string detail)
    {
        await using var node = await ApiNode.StartAsync();
        var dead = await DeadRunAsync(node, await node.CreateJobAsync(ApiJobs.Noop(failRate: 1).With(new() { ["tags"] = new JsonArray("billing") })));

        var (status, problem) = await node.PostAsync("/v1/runs/retry", JsonNode.Parse(json)!.AsObject());

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains(detail, (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal("dead", await StateAsync(node, dead));
    }

    [Fact]
    public async Task Cancel_QueuedRun_Returns200CancelledAndASecondCancel409()
    {
        await using var node = await ApiNode.StartAsync(maxConcurrency: 1);
        await HoldTheOnlySlotAsync(node);
        var queued = await node.TriggerAsync(await node.CreateJobAsync(ApiJobs.Noop()));

        var (status, run) = await node.PostAsync($"/v1/runs/{queued}/cancel");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("cancelled", (string?)run["state"]);
        Assert.NotNull(run["finished_at"]);
        Assert.Equal("cancelled", await StateAsync(node, queued));
        Assert.Equal(HttpStatusCode.Conflict, (await node.PostAsync($"/v1/runs/{queued}/cancel")).Status);
    }

    [Fact]
    public async Task Cancel_RunningShellRun_Returns202AndTheRunEndsCancelledWithItsProcessKilled()
    {
        await using var node = await ApiNode.StartAsync();
        var running = await node.TriggerAsync(await node.CreateJobAsync(ApiJobs.Shell("echo $$ > sleeper.pid; exec sleep 30")));
        await node.WaitForRunAsync(running, "running");
        var pidFile = Path.Combine(node.DataDirectory, "sleeper.pid");
        var pid = await Testing.Eventually.GetAsync(
            async () => File.Exists(pidFile) && await File.ReadAllTextAsync(pidFile) is { } t && t.EndsWith('\n') ? t : null,
            ApiNode.WaitTimeout,
            "the command to write its pid");

        var (status, run) = await node.PostAsync($"/v1/runs/{running}/cancel");

        Assert.Equal(HttpStatusCode.Accepted, status);
        Assert.True((bool)run["cancel_requested"]!);
        var cancelled = await node.WaitForRunAsync(running, "cancelled", "succeeded", "failed", "dead");
        Assert.Equal("cancelled", (string?)cancelled["state"]);
        Assert.Contains("cancelled while running", (string?)cancelled["outcome"]?["error"], StringComparison.Ordinal);
        await EngineHarness.WaitUntilGoneAsync(int.Parse(pid, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Cancel_UnknownRun_Returns404()
    {
        await using var node = await ApiNode.StartAsync();

        Assert.Equal(HttpStatusCode.NotFound, (await node.PostAsync("/v1/runs/0123456789abcdef0123456789abcdef/cancel")).Status);
    }
}
