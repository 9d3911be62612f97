using System.Net;
using System.Text.Json.Nodes;

namespace Kron.Server.Tests;

/// <summary><c>/v1/runs</c> and <c>/v1/jobs/{id}/runs</c> on a real node, with runs the engine really executed.</summary>
public sealed class RunsApiTests
{
    private static JsonObject FailingNoop() =>
        JobBodies.Noop().With(new() { ["retries"] = 0, ["target"] = new JsonObject { ["type"] = "noop", ["fail_rate"] = 1.0 } });

    [Fact]
    public async Task List_StateFilter_ReturnsOnlyRunsInThatState()
    {
        await using var node = await TestNode.StartAsync();
        var good = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        var bad = (string)(await node.CreateJobAsync(FailingNoop()))["id"]!;
        var succeeded = await node.WaitForRunAsync((string)(await node.TriggerAsync(good))["id"]!, "succeeded", "failed", "dead");
        var dead = await node.WaitForRunAsync((string)(await node.TriggerAsync(bad))["id"]!, "succeeded", "failed", "dead");

        async Task<string[]> IdsAsync(string query) =>
            [.. (await node.GetAsync($"/v1/runs{query}")).Object["items"]!.AsArray().Select(r => (string)r!["id"]!)];

        Assert.Equal("succeeded", (string?)succeeded["state"]);
        Assert.Equal("dead", (string?)dead["state"]);
        Assert.Contains("simulated failure", (string?)dead["outcome"]?["error"], StringComparison.Ordinal);
        Assert.Equal([(string)dead["id"]!], await IdsAsync("?state=dead"));
        Assert.Equal([(string)succeeded["id"]!], await IdsAsync("?state=succeeded"));
        Assert.Empty(await IdsAsync("?state=queued"));
        Assert.Equal([(string)dead["id"]!, (string)succeeded["id"]!], await IdsAsync(""));
        Assert.Equal([(string)dead["id"]!], await IdsAsync($"?job_id={bad}"));
    }

    [Theory]
    [InlineData("/v1/runs?state=bogus")]
    [InlineData("/v1/runs?state=Dead")]
    [InlineData("/v1/jobs/{job}/runs?state=done")]
    public async Task List_InvalidState_Returns400ListingTheStates(string path)
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;

        var response = await node.GetAsync(path.Replace("{job}", job, StringComparison.Ordinal));

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.Contains("succeeded", detail, StringComparison.Ordinal);
        Assert.Contains("dead", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/runs?limit=501")]
    [InlineData("/v1/runs?limit=0")]
    [InlineData("/v1/jobs/{job}/runs?limit=501")]
    public async Task List_LimitOutOfRange_Returns400(string path)
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;

        var response = await node.GetAsync(path.Replace("{job}", job, StringComparison.Ordinal));

        Assert.Contains("1-500", (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobRuns_TwoJobs_ListsOnlyThatJobsRunsNewestFirstInPages()
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        var other = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        var first = (string)(await node.WaitForRunAsync((string)(await node.TriggerAsync(job))["id"]!, "succeeded"))["id"]!;
        await node.WaitForRunAsync((string)(await node.TriggerAsync(other))["id"]!, "succeeded");
        var second = (string)(await node.WaitForRunAsync((string)(await node.TriggerAsync(job))["id"]!, "succeeded"))["id"]!;

        var page1 = (await node.GetAsync($"/v1/jobs/{job}/runs?limit=1")).Object;
        var cursor = (string)page1["next_cursor"]!;
        var page2 = (await node.GetAsync($"/v1/jobs/{job}/runs?limit=1&cursor={Uri.EscapeDataString(cursor)}")).Object;
        var all = (await node.GetAsync($"/v1/jobs/{job}/runs")).Object;
        var succeeded = (await node.GetAsync($"/v1/jobs/{job}/runs?state=succeeded")).Object;
        var dead = (await node.GetAsync($"/v1/jobs/{job}/runs?state=dead")).Object;

        Assert.Equal(second, (string?)page1["items"]![0]!["id"]);
        Assert.Equal(first, (string?)page2["items"]![0]!["id"]);
        Assert.False(page2.ContainsKey("next_cursor"));
        Assert.Equal([second, first], all["items"]!.AsArray().Select(r => (string)r!["id"]!));
        Assert.All(all["items"]!.AsArray(), r => Assert.Equal(job, (string?)r!["job_id"]));
        Assert.Equal(2, succeeded["items"]!.AsArray().Count);
        Assert.Empty(dead["items"]!.AsArray());
    }

    [Fact]
    public async Task Get_Run_ReturnsItsFields()
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        var triggered = await node.TriggerAsync(job);

        var run = await node.WaitForRunAsync((string)triggered["id"]!, "succeeded");

        Assert.Equal(job, (string?)run["job_id"]);
        Assert.Equal(triggered["scheduled_for"].Instant(), run["scheduled_for"].Instant());
        Assert.Equal(4, (int)run["max_attempts"]!);
        Assert.NotNull(run["ready_at"]);
        Assert.NotNull(run["started_at"]);
        Assert.NotNull(run["finished_at"]);
        Assert.Null(run["skip_reason"]);
    }

    [Fact]
    public async Task Get_UnknownRun_Returns404()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/v1/runs/0123456789abcdef0123456789abcdef");

        Assert.Contains("run", (string)response.Problem(HttpStatusCode.NotFound)["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobRuns_UnknownJob_Returns404()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/v1/jobs/0123456789abcdef0123456789abcdef/runs");

        response.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task JobRuns_DeletedJob_HistoryStaysReadable()
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        var run = (string)(await node.WaitForRunAsync((string)(await node.TriggerAsync(job))["id"]!, "succeeded"))["id"]!;

        Assert.Equal(HttpStatusCode.NoContent, (await node.DeleteAsync($"/v1/jobs/{job}")).Status);

        Assert.Equal("succeeded", (string?)(await node.GetAsync($"/v1/runs/{run}")).Object["state"]);
        Assert.Equal([run], (await node.GetAsync($"/v1/jobs/{job}/runs")).Object["items"]!.AsArray().Select(r => (string)r!["id"]!));
    }

    [Fact]
    public async Task Counts_DeadAndQueuedRuns_AreCountedExactly()
    {
        await using var node = await TestNode.StartAsync();
        var failing = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["retries"] = 0, ["target"] = new JsonObject { ["type"] = "noop", ["fail_rate"] = 1.0 } }));
        var queueJob = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["target"] = new JsonObject { ["type"] = "queue", ["queue"] = "mail", ["job_type"] = "send" } }));
        await node.WaitForRunAsync((string)(await node.TriggerAsync((string)failing["id"]!))["id"]!, "dead");
        await node.TriggerAsync((string)queueJob["id"]!);

        var counts = (await node.GetAsync("/v1/runs/counts")).Object;

        Assert.Equal((1L, 0L, 1L), ((long)counts["queued"]!, (long)counts["running"]!, (long)counts["dead"]!));
    }
}
