using System.Net;
using System.Text.Json.Nodes;

namespace Kron.Engine.Tests;

/// <summary>
/// The execution policies through <c>/v1/jobs</c> on a real node: manual triggers under the concurrency policy
/// (and <c>?force=true</c>), and the retry and max_concurrent fields of create and patch with their validation.
/// </summary>
public sealed class JobsApiTests
{
    private static JsonObject HourLong(string concurrency) => ApiJobs.Noop(duration: "PT1H").With(new() { ["concurrency"] = concurrency });

    [Fact]
    public async Task Trigger_ForbidWhileARunIsActive_Returns409NamingItUnlessForced()
    {
        await using var node = await ApiNode.StartAsync();
        var job = await node.CreateJobAsync(HourLong("forbid"));
        var first = await node.TriggerAsync(job);
        await node.WaitForRunAsync(first, "running");

        var (status, problem) = await node.PostAsync($"/v1/jobs/{job}/trigger");
        var (forcedStatus, forced) = await node.PostAsync($"/v1/jobs/{job}/trigger?force=true");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains($"run {first} is still running", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Contains("force=true", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Accepted, forcedStatus);
        Assert.NotEqual(first, (string?)forced["id"]);
        Assert.Equal("manual", (string?)forced["trigger"]);
        Assert.Equal("running", (string?)(await node.GetAsync($"/v1/runs/{first}")).Body["state"]);
    }

    [Fact]
    public async Task Trigger_AllowWithMaxConcurrentReached_Returns409()
    {
        await using var node = await ApiNode.StartAsync();
        var job = await node.CreateJobAsync(HourLong("allow").With(new() { ["max_concurrent"] = 1 }));
        await node.TriggerAsync(job);

        var (status, problem) = await node.PostAsync($"/v1/jobs/{job}/trigger");

        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Contains("max_concurrent 1", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Trigger_ReplaceWhileARunIsRunning_CancelsItAndRunsTheNewOne()
    {
        await using var node = await ApiNode.StartAsync();
        var job = await node.CreateJobAsync(HourLong("replace"));
        var first = await node.TriggerAsync(job);
        await node.WaitForRunAsync(first, "running");

        var second = await node.TriggerAsync(job);

        await node.WaitForRunAsync(first, "cancelled");
        await node.WaitForRunAsync(second, "running");
    }

    [Fact]
    public async Task Create_WithRetryAndMaxConcurrent_RoundTripsThroughGetAndPatch()
    {
        await using var node = await ApiNode.StartAsync();
        var body = ApiJobs.Noop().With(new()
        {
            ["retry"] = new JsonObject { ["retries"] = 4, ["initial_interval"] = "PT2S", ["max_interval"] = "PT1M", ["multiplier"] = 3, ["jitter"] = "proportional" },
            ["max_concurrent"] = 2,
        });
        body.Remove("retries");

        var job = await node.CreateJobAsync(body);
        var read = (await node.GetAsync($"/v1/jobs/{job}")).Body;
        var (patchStatus, patched) = await node.PatchAsync($"/v1/jobs/{job}", new JsonObject
        {
            ["retry"] = new JsonObject { ["multiplier"] = 1.5, ["jitter"] = "none" },
            ["max_concurrent"] = 5,
        });

        Assert.Equal(4, (int)read["retries"]!);
        Assert.Equal(
            """{"initial_interval":"PT2S","max_interval":"PT1M","multiplier":3,"jitter":"proportional"}""",
            read["retry"]!.ToJsonString());
        Assert.Equal(2, (int)read["max_concurrent"]!);
        Assert.Equal(HttpStatusCode.OK, patchStatus);
        Assert.Equal(4, (int)patched["retries"]!);
        Assert.Equal(
            """{"initial_interval":"PT2S","max_interval":"PT1M","multiplier":1.5,"jitter":"none"}""",
            patched["retry"]!.ToJsonString());
        Assert.Equal(5, (int)patched["max_concurrent"]!);
    }

    [Theory]
    [InlineData("""{"retry":{"multiplier":0.5}}""", "retry.multiplier")]
    [InlineData("""{"retry":{"initial_interval":"PT1M","max_interval":"PT10S"}}""", "retry.max_interval")]
    [InlineData("""{"retry":{"initial_interval":"PT0S"}}""", "retry.initial_interval")]
    [InlineData("""{"retry":{"jitter":"lots"}}""", "retry.jitter")]
    [InlineData("""{"retries":2,"retry":{"retries":3}}""", "retry.retries")]
    [InlineData("""{"concurrency":"forbid","max_concurrent":2}""", "max_concurrent")]
    [InlineData("""{"concurrency":"replace","max_concurrent":1}""", "max_concurrent")]
    [InlineData("""{"max_concurrent":0}""", "max_concurrent")]
    public async Task CreateAndPatch_InvalidRetryOrConcurrency_Return400NamingTheField(string fields, string field)
    {
        await using var node = await ApiNode.StartAsync();
        var extra = JsonNode.Parse(fields)!.AsObject();
        var job = await node.CreateJobAsync(ApiJobs.Noop());

        var created = await node.PostAsync("/v1/jobs", ApiJobs.Noop().With(extra));
        var patched = await node.PatchAsync($"/v1/jobs/{job}", extra);

        foreach (var (status, problem) in new[] { created, patched })
        {
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(problem["errors"]?.AsObject().ContainsKey(field) == true, $"no error for {field}: {problem}");
        }

        Assert.Equal(1, (int)(await node.GetAsync($"/v1/jobs/{job}")).Body["version"]!);
    }

    [Fact]
    public async Task Create_SameRetriesAtBothLevels_IsAccepted()
    {
        await using var node = await ApiNode.StartAsync();

        var job = await node.CreateJobAsync(ApiJobs.Noop(retries: 2).With(new() { ["retry"] = new JsonObject { ["retries"] = 2 } }));

        Assert.Equal(2, (int)(await node.GetAsync($"/v1/jobs/{job}")).Body["retries"]!);
    }

    [Fact]
    public async Task Patch_ConcurrencyForbidOnAJobWithMaxConcurrent_DropsTheLimit()
    {
        await using var node = await ApiNode.StartAsync();
        var job = await node.CreateJobAsync(ApiJobs.Noop().With(new() { ["max_concurrent"] = 2 }));

        var (status, patched) = await node.PatchAsync($"/v1/jobs/{job}", new JsonObject { ["concurrency"] = "forbid" });

        Assert.True(status == HttpStatusCode.OK, $"expected 200, got {(int)status}: {patched}");
        Assert.Equal("forbid", (string?)patched["concurrency"]);
        Assert.Null(patched["max_concurrent"]);
    }
}
