using System.Net;
using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Server.Tests;

/// <summary><c>POST /v1/jobs/batch</c>: many jobs in one request and one transaction, one answer per job.</summary>
public sealed partial class JobsApiTests
{
    [Fact]
    public async Task Batch_MixedItems_EachAnsweredLikeASingleRegistrationInOrder()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var existing = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["key"] = "taken" }));
        var jobs = new JsonArray
        {
            JobBodies.Noop("PT30S").With(new() { ["name"] = "first" }),
            JobBodies.Noop().With(new() { ["key"] = "taken" }),
            JobBodies.Noop("PT5M").With(new() { ["key"] = "taken" }),
            JobBodies.Noop().With(new() { ["cron"] = "61 * * * *", ["every"] = null }),
            JobBodies.At(T0.AddHours(1), new JsonObject { ["type"] = "noop" }),
        };

        var response = await node.PostAsync("/v1/jobs/batch", new JsonObject { ["jobs"] = jobs });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var items = response.Object["items"]!.AsArray();
        Assert.Equal([201, 200, 409, 422, 201], items.Select(i => (int)i!["status"]!));
        Assert.Equal("first", (string?)items[0]!["job"]!["name"]);
        Assert.Equal(T0.AddSeconds(30), items[0]!["job"]!["next_fire_at"].Instant());
        Assert.Equal((string?)existing["id"], (string?)items[1]!["job"]!["id"]);
        Assert.Contains("already used by job", (string?)items[2]!["detail"], StringComparison.Ordinal);
        Assert.True(items[3]!["errors"]!.AsObject().ContainsKey("cron"), response.Body);
        var created = (string)items[4]!["job"]!["id"]!;
        Assert.Equal(T0.AddHours(1), (await node.GetAsync($"/v1/jobs/{created}")).Object["next_fire_at"].Instant());
    }

    [Fact]
    public async Task Batch_EmptyOrTooLarge_400SaysHowManyJobsFit()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var tooMany = new JsonArray([.. Enumerable.Range(0, 1001).Select(_ => (JsonNode)JobBodies.Noop())]);

        var empty = (await node.PostAsync("/v1/jobs/batch", new JsonObject { ["jobs"] = new JsonArray() })).Problem(HttpStatusCode.BadRequest);
        var large = (await node.PostAsync("/v1/jobs/batch", new JsonObject { ["jobs"] = tooMany })).Problem(HttpStatusCode.BadRequest);
        var unknown = (await node.PostAsync("/v1/jobs/batch", new JsonObject { ["job"] = new JsonArray() })).Problem(HttpStatusCode.BadRequest);

        Assert.Contains("1-1000 jobs, not 0", (string?)empty["detail"], StringComparison.Ordinal);
        Assert.Contains("1-1000 jobs, not 1001", (string?)large["detail"], StringComparison.Ordinal);
        Assert.Contains("job", (string?)unknown["detail"], StringComparison.Ordinal);
        Assert.Empty((await node.GetAsync("/v1/jobs")).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Batch_ThousandJobs_AllStoredAndTheDueOnesRun()
    {
        await using var node = await TestNode.StartAsync();
        var at = TimeProvider.System.GetUtcNow().AddSeconds(1);
        var jobs = new JsonArray([.. Enumerable.Range(0, 1000).Select(i => (JsonNode)JobBodies.At(at, new JsonObject { ["type"] = "noop" }).With(new() { ["name"] = $"j{i}", ["tags"] = new JsonArray("batch") }))]);

        var response = await node.PostAsync("/v1/jobs/batch", new JsonObject { ["jobs"] = jobs });

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.All(response.Object["items"]!.AsArray(), i => Assert.Equal(201, (int)i!["status"]!));
        await Eventually.TrueAsync(async () => await CountRunsAsync(node, "succeeded") == 1000, TimeSpan.FromSeconds(30), "the 1000 runs to succeed");
        Assert.Equal(0, await CountRunsAsync(node, "failed"));
    }

    [Fact]
    public async Task Batch_BurstAtOneInstant_IsPreparedAhead_APauseWithdrawsItsRun_TheRestStartAtTheSlot()
    {
        await using var node = await TestNode.StartAsync();
        var at = new DateTimeOffset(TimeProvider.System.GetUtcNow().AddSeconds(6).UtcTicks / TimeSpan.TicksPerSecond * TimeSpan.TicksPerSecond, TimeSpan.Zero);
        var jobs = new JsonArray([.. Enumerable.Range(0, 100).Select(i => (JsonNode)JobBodies.At(at, new JsonObject { ["type"] = "noop" }).With(new() { ["name"] = $"b{i}" }))]);
        var ids = (await node.PostAsync("/v1/jobs/batch", new JsonObject { ["jobs"] = jobs })).Object["items"]!.AsArray().Select(i => (string)i!["job"]!["id"]!).ToList();

        // Fired ahead: the run exists before its slot, shown queued, held by this node.
        var prepared = await Eventually.GetAsync(
            async () => (await node.GetAsync($"/v1/runs?job_id={ids[0]}")).Object["items"]!.AsArray().SingleOrDefault(),
            TimeSpan.FromSeconds(4),
            "the burst's runs to be prepared");
        Assert.Equal(("queued", "test", at), ((string?)prepared!["state"], (string?)prepared["node"], prepared["scheduled_for"].Instant()));
        Assert.Null(prepared["started_at"]);
        Assert.True(TimeProvider.System.GetUtcNow() < at - TimeSpan.FromSeconds(1), "the test must pause before the start stamp");

        var paused = await node.PostAsync($"/v1/jobs/{ids[1]}/pause");

        Assert.Equal((true, at), ((bool)paused.Object["paused"]!, paused.Object["next_fire_at"].Instant()));
        Assert.Empty((await node.GetAsync($"/v1/runs?job_id={ids[1]}")).Object["items"]!.AsArray());
        await Eventually.TrueAsync(async () => await CountRunsAsync(node, "succeeded") == 99, TimeSpan.FromSeconds(20), "the other 99 runs to succeed");
        foreach (var id in ids.Where(id => id != ids[1]))
        {
            var run = (await node.GetAsync($"/v1/runs?job_id={id}")).Object["items"]!.AsArray().Single()!;
            Assert.True(run["started_at"].Instant() >= at, $"run of {id} started at {run["started_at"]}, before its slot {at:O}");
        }

        // Resumed: the withdrawn slot is due again, and runs under the misfire policy.
        Assert.Equal(HttpStatusCode.OK, (await node.PostAsync($"/v1/jobs/{ids[1]}/resume")).Status);
        await Eventually.TrueAsync(async () => await CountRunsAsync(node, "succeeded") == 100, TimeSpan.FromSeconds(20), "the resumed job's slot to run");
    }

    private static async Task<int> CountRunsAsync(TestNode node, string state)
    {
        var count = 0;
        string? cursor = null;
        do
        {
            var page = (await node.GetAsync($"/v1/runs?state={state}&limit=500" + (cursor is null ? string.Empty : $"&cursor={cursor}"))).Object;
            count += page["items"]!.AsArray().Count;
            cursor = (string?)page["next_cursor"];
        }
        while (cursor is not null);
        return count;
    }
}
