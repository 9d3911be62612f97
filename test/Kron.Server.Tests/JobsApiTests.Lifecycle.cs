using System.Net;
using System.Text.Json.Nodes;
using Kron.Engine.Scheduling;
using Kron.Testing;

namespace Kron.Server.Tests;

public sealed partial class JobsApiTests
{
    [Fact]
    public async Task List_SeveralPages_NewestFirstWithCursorAndNoCursorOnTheLastPage()
    {
        var clock = new ManualTimeProvider(T0);
        await using var node = await TestNode.StartAsync(clock);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((string)(await node.CreateJobAsync(JobBodies.Noop().With(new() { ["name"] = $"job-{i}" })))["id"]!);
            clock.Advance(TimeSpan.FromSeconds(1));
        }

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var response = await node.GetAsync($"/v1/jobs?limit=2{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            Assert.Equal(HttpStatusCode.OK, response.Status);
            var page = response.Object;
            seen.AddRange(page["items"]!.AsArray().Select(j => (string)j!["id"]!));
            cursor = (string?)page["next_cursor"];
            Assert.Equal(cursor is not null, page.ContainsKey("next_cursor"));
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(ids), seen);
        var all = (await node.GetAsync("/v1/jobs?limit=500")).Object;
        Assert.Equal(5, all["items"]!.AsArray().Count);
        Assert.False(all.ContainsKey("next_cursor"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(501)]
    [InlineData(-1)]
    public async Task List_LimitOutOfRange_Returns400(int limit)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.GetAsync($"/v1/jobs?limit={limit}");

        Assert.Contains("1-500", (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_TagAndStateFilters_ReturnOnlyMatchingJobs()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var billing = (string)(await node.CreateJobAsync(JobBodies.Noop().With(new() { ["tags"] = new JsonArray("billing", "eu") })))["id"]!;
        var pausedBilling = (string)(await node.CreateJobAsync(JobBodies.Noop().With(new() { ["tags"] = new JsonArray("billing"), ["paused"] = true })))["id"]!;
        var other = (string)(await node.CreateJobAsync(JobBodies.Noop().With(new() { ["tags"] = new JsonArray("reports") })))["id"]!;

        async Task<string[]> IdsAsync(string query) =>
            [.. (await node.GetAsync($"/v1/jobs?{query}")).Object["items"]!.AsArray().Select(j => (string)j!["id"]!).Order(StringComparer.Ordinal)];

        Assert.Equal(new[] { billing, pausedBilling }.Order(StringComparer.Ordinal), await IdsAsync("tag=billing"));
        Assert.Equal([billing], await IdsAsync("tag=eu"));
        Assert.Empty(await IdsAsync("tag=nothing"));
        Assert.Equal([pausedBilling], await IdsAsync("state=paused"));
        Assert.Equal(new[] { billing, other }.Order(StringComparer.Ordinal), await IdsAsync("state=active"));
        Assert.Equal([billing], await IdsAsync("tag=billing&state=active"));
        Assert.Contains("paused", (string)(await node.GetAsync("/v1/jobs?state=sleeping")).Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UnknownJob_Returns404()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.GetAsync("/v1/jobs/0123456789abcdef0123456789abcdef");

        Assert.Contains("0123456789abcdef0123456789abcdef", (string)response.Problem(HttpStatusCode.NotFound)["detail"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Patch_Schedule_RecomputesNextFireAtAndBumpsVersion()
    {
        var clock = new ManualTimeProvider(T0);
        await using var node = await TestNode.StartAsync(clock);
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = "0 * * * *" }));
        var id = (string)job["id"]!;
        Assert.Equal(T0.AddHours(1), job["next_fire_at"].Instant());
        clock.Advance(TimeSpan.FromMinutes(10));

        var cron = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["cron"] = "45 * * * *", ["time_zone"] = "Asia/Kolkata" });
        var every = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["every"] = "PT7M", ["retries"] = 0 });

        Assert.Equal(HttpStatusCode.OK, cron.Status);
        Assert.Equal("Asia/Kolkata", (string?)cron.Object["time_zone"]);
        Assert.Equal(T0.AddMinutes(15), cron.Object["next_fire_at"].Instant()); // 17:10Z is 22:40 IST; :45 IST is 17:15Z
        Assert.Equal((long)job["version"]! + 1, (long)cron.Object["version"]!);
        Assert.Equal(HttpStatusCode.OK, every.Status);
        Assert.Null(every.Object["cron"]);
        Assert.Equal(0, (int)every.Object["retries"]!);
        // Interval slots are anchored at created_at (17:00): the first slot after 17:10 is 17:14.
        Assert.Equal(T0.AddMinutes(14), every.Object["next_fire_at"].Instant());
        Assert.Equal((long)job["version"]! + 2, (long)every.Object["version"]!);
        Assert.Equal(T0.AddMinutes(10), every.Object["updated_at"].Instant());
        Assert.Equal(T0, every.Object["created_at"].Instant());
    }

    [Fact]
    public async Task Patch_OnlyTheNameOfAFiredOneTimeJob_KeepsNextFireAtAndDoesNotFireAgain()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.At(TimeProvider.System.GetUtcNow(), new JsonObject { ["type"] = "noop" }));
        var id = (string)job["id"]!;
        var fired = await Eventually.GetAsync(
            async () => (await node.GetAsync($"/v1/jobs/{id}")).Object is { } j && j["last_run"]?["state"]?.ToString() == "succeeded" ? j : null,
            TestNode.RunTimeout,
            "the one-time job to fire and succeed");
        Assert.Null(fired["next_fire_at"]);

        var patched = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["name"] = "renamed" });

        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal("renamed", (string?)patched.Object["name"]);
        Assert.Null(patched.Object["next_fire_at"]);
        Assert.Equal((long)fired["version"]! + 1, (long)patched.Object["version"]!);
        Assert.Equal(0, (await node.Service<JobTrigger>().RunOnceAsync(CancellationToken.None)).Fired);
        Assert.Single((await node.GetAsync($"/v1/jobs/{id}/runs")).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Patch_OnlyTheNameOfAPendingOneTimeJob_KeepsNextFireAt()
    {
        var clock = new ManualTimeProvider(T0);
        await using var node = await TestNode.StartAsync(clock);
        var at = T0.AddHours(2);
        var id = (string)(await node.CreateJobAsync(JobBodies.At(at, new JsonObject { ["type"] = "noop" })))["id"]!;
        clock.Advance(TimeSpan.FromMinutes(1));

        var patched = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["name"] = "renamed" });

        Assert.Equal(at, patched.Object["next_fire_at"].Instant());
        Assert.Equal(at, patched.Object["schedule_time"].Instant());
    }

    [Fact]
    public async Task Patch_UnknownJob_Returns404()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PatchAsync("/v1/jobs/nope", new JsonObject { ["name"] = "x" });

        response.Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Delete_Job_Returns204ThenTheJobIsGone()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var id = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;

        var deleted = await node.DeleteAsync($"/v1/jobs/{id}");

        Assert.Equal(HttpStatusCode.NoContent, deleted.Status);
        Assert.Empty(deleted.Body);
        (await node.GetAsync($"/v1/jobs/{id}")).Problem(HttpStatusCode.NotFound);
        (await node.DeleteAsync($"/v1/jobs/{id}")).Problem(HttpStatusCode.NotFound);
        (await node.PostAsync($"/v1/jobs/{id}/trigger")).Problem(HttpStatusCode.NotFound);
        Assert.Empty((await node.GetAsync("/v1/jobs")).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Pause_DueJob_DoesNotFireAndResumeAppliesTheMisfirePolicy()
    {
        var clock = new ManualTimeProvider(T0);
        await using var node = await TestNode.StartAsync(clock);
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = "0 * * * *" }));
        var id = (string)job["id"]!;

        var paused = await node.PostAsync($"/v1/jobs/{id}/pause");
        Assert.Equal(HttpStatusCode.OK, paused.Status);
        Assert.True((bool)paused.Object["paused"]!);
        Assert.Equal((long)job["version"]! + 1, (long)paused.Object["version"]!);

        // Its 18:00 slot is due at 19:10, but a paused job does not fire.
        clock.Advance(TimeSpan.FromMinutes(130));
        Assert.Equal(0, (await node.Service<JobTrigger>().RunOnceAsync(CancellationToken.None)).Fired);
        Assert.Empty((await node.GetAsync($"/v1/jobs/{id}/runs")).Object["items"]!.AsArray());
        Assert.Empty((await node.GetAsync("/v1/runs")).Object["items"]!.AsArray());

        var resumed = await node.PostAsync($"/v1/jobs/{id}/resume");

        Assert.Equal(HttpStatusCode.OK, resumed.Status);
        Assert.False((bool)resumed.Object["paused"]!);
        Assert.Equal(T0.AddHours(1), resumed.Object["next_fire_at"].Instant());

        // run_once: the 19:00 slot runs, the 18:00 slot missed while paused is recorded as skipped. The node's own
        // trigger loop, woken by the resume, may fire before this pass does: either way the job fires once.
        await node.Service<JobTrigger>().RunOnceAsync(CancellationToken.None);
        var runs = await Eventually.GetAsync(
            async () => (await node.GetAsync($"/v1/jobs/{id}/runs")).Object["items"]!.AsArray() is { Count: 2 } items ? items : null,
            TimeSpan.FromSeconds(10),
            "the resumed job to fire");
        Assert.Equal(0, (await node.Service<JobTrigger>().RunOnceAsync(CancellationToken.None)).Fired);
        var skipped = Assert.Single(runs, r => (string?)r!["state"] == "skipped");
        Assert.Equal(T0.AddHours(1), skipped!["scheduled_for"].Instant());
        Assert.Contains("run_once", (string?)skipped["skip_reason"], StringComparison.Ordinal);
        Assert.Single(runs, r => r!["scheduled_for"].Instant() == T0.AddHours(2) && (string?)r["state"] != "skipped");
        (await node.PostAsync("/v1/jobs/nope/pause")).Problem(HttpStatusCode.NotFound);
        (await node.PostAsync("/v1/jobs/nope/resume")).Problem(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Trigger_NoopJob_Returns202WithARunThatSucceeds()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["payload"] = new JsonObject { ["n"] = 1 } }));
        var id = (string)job["id"]!;

        var response = await node.PostAsync($"/v1/jobs/{id}/trigger");

        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        var run = response.Object;
        var runId = (string)run["id"]!;
        Assert.Equal($"/v1/runs/{runId}", response.Location?.OriginalString);
        Assert.Equal(id, (string?)run["job_id"]);
        Assert.Equal("manual", (string?)run["trigger"]);
        Assert.True((string?)run["state"] is "queued" or "running" or "succeeded", $"unexpected state: {run}");
        var done = await node.WaitForRunAsync(runId, "succeeded", "failed", "dead");
        Assert.Equal("succeeded", (string?)done["state"]);
        Assert.Equal(1, (int)done["attempt"]!);
        Assert.Equal("test", (string?)done["node"]);
        Assert.True(done["finished_at"].Instant() >= done["started_at"].Instant());
        var lastRun = (await node.GetAsync($"/v1/jobs/{id}")).Object["last_run"]!;
        Assert.Equal(runId, (string?)lastRun["id"]);
        Assert.Equal("succeeded", (string?)lastRun["state"]);
    }

    [Fact]
    public async Task Schedule_DueIntervalJob_FiresOnItsOwn()
    {
        await using var node = await TestNode.StartAsync();
        var id = (string)(await node.CreateJobAsync(JobBodies.Noop("PT1S")))["id"]!;

        var run = await Eventually.GetAsync(
            async () => (await node.GetAsync($"/v1/jobs/{id}/runs?state=succeeded")).Object["items"]!.AsArray().FirstOrDefault(),
            TestNode.RunTimeout,
            "a scheduled run of the interval job to succeed");

        Assert.Equal("schedule", (string?)run["trigger"]);
        Assert.Equal(id, (string?)run["job_id"]);
    }

    [Fact]
    public async Task List_Search_MatchesNameOrKeyIgnoringCase()
    {
        await using var node = await TestNode.StartAsync();
        var report = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["name"] = "Nightly Report" }));
        var invoice = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["key"] = "report-invoices" }));
        await node.CreateJobAsync(JobBodies.Noop().With(new() { ["name"] = "backup" }));

        var found = (await node.GetAsync("/v1/jobs?q=REPORT")).Object["items"]!.AsArray().Select(j => (string)j!["id"]!);

        Assert.Equal([(string)invoice["id"]!, (string)report["id"]!], found);
    }

    [Fact]
    public async Task List_SearchTooLong_Is400NamingTheLimit()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/v1/jobs?q=" + new string('x', 201));

        Assert.Contains("q must be at most 200 characters", (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
    }
}
