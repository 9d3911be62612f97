using System.Net;
using System.Text.Json.Nodes;
using Kron.Core.Cron;
using Kron.Testing;

namespace Kron.Server.Tests;

/// <summary>
/// <c>/v1/jobs</c> on a real node and SQLite file: registration and schedules here, validation in
/// <c>JobsApiTests.Validation.cs</c>, the rest of a job's life in <c>JobsApiTests.Lifecycle.cs</c>.
/// </summary>
public sealed partial class JobsApiTests
{
    /// <summary>2025-03-08 12:00 in New York, the day before clocks there skip 02:00-03:00.</summary>
    private static readonly DateTimeOffset T0 = new(2025, 3, 8, 17, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Create_IntervalJob_Returns201WithIdTimesVersionAndLocation()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop("PT30S"));

        Assert.Equal(HttpStatusCode.Created, response.Status);
        Assert.Equal("application/json", response.ContentType);
        var job = response.Object;
        var id = (string)job["id"]!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal($"/v1/jobs/{id}", response.Location?.OriginalString);
        Assert.Equal(T0, job["created_at"].Instant());
        Assert.Equal(T0.AddSeconds(30), job["next_fire_at"].Instant());
        Assert.True((long)job["version"]! >= 1);
        Assert.Equal("PT30S", (string?)job["every"]);
        Assert.Equal(3, (int)job["retries"]!);
        Assert.Equal("PT5M", (string?)job["timeout"]);
        Assert.Equal("allow", (string?)job["concurrency"]);
        Assert.Equal("run_once", (string?)job["misfire"]);
        Assert.Equal("at_least_once", (string?)job["delivery"]);
        Assert.False((bool)job["paused"]!);

        var stored = (await node.GetAsync($"/v1/jobs/{id}")).Object;
        Assert.Equal(T0.AddSeconds(30), stored["next_fire_at"].Instant());
    }

    [Fact]
    public async Task Create_ScheduleTime_NextFireAtIsThatInstant()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var at = T0.AddHours(5).AddSeconds(7);

        var job = await node.CreateJobAsync(JobBodies.At(at, new JsonObject { ["type"] = "noop" }).With(new() { ["name"] = "once" }));

        Assert.Equal(at, job["schedule_time"].Instant());
        Assert.Equal(at, job["next_fire_at"].Instant());
        Assert.Equal("once", (string?)job["name"]);
        Assert.Null(job["cron"]);
        Assert.Null(job["every"]);
    }

    [Fact]
    public async Task Create_CronInDaylightSavingZone_FirstSlotFollowsTheSkippedHour()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        // 02:30 does not exist in New York on 2025-03-09: a fixed-time job fires at the transition, 03:00 EDT (R2).
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = "30 2 * * *", ["time_zone"] = "America/New_York" }));

        Assert.Equal("30 2 * * *", (string?)job["cron"]);
        Assert.Equal("America/New_York", (string?)job["time_zone"]);
        Assert.Equal(DateTimeOffset.Parse("2025-03-09T03:00:00-04:00", System.Globalization.CultureInfo.InvariantCulture), job["next_fire_at"].Instant());
    }

    [Fact]
    public async Task Create_CronWithoutZone_UsesUtc()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = "0 3 * * *" }));

        Assert.Equal("UTC", (string?)job["time_zone"]);
        Assert.Equal(new DateTimeOffset(2025, 3, 9, 3, 0, 0, TimeSpan.Zero), job["next_fire_at"].Instant());
    }

    [Fact]
    public async Task Create_HashedCron_SlotIsSeededByTheJobIdAndStaysPut()
    {
        var clock = new ManualTimeProvider(T0);
        await using var node = await TestNode.StartAsync(clock);
        const string expression = "H H * * *";

        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = expression }));
        var id = (string)job["id"]!;
        var expected = CronExpression.Parse(expression, id).GetNextOccurrence(T0, TimeZoneInfo.Utc);

        Assert.Equal(expected, job["next_fire_at"].Instant());

        // Setting the same expression again recomputes from the same seed: the slot does not move.
        clock.Advance(TimeSpan.FromSeconds(1));
        var patched = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["cron"] = expression });
        Assert.Equal(HttpStatusCode.OK, patched.Status);
        Assert.Equal(expected, patched.Object["next_fire_at"].Instant());

        // The preview with the job id as seed shows the same slot.
        var preview = await node.GetAsync($"/v1/cron/next?expr={Uri.EscapeDataString(expression)}&seed={id}&after={Uri.EscapeDataString(JobBodies.Rfc3339(T0))}&count=1");
        Assert.Equal(HttpStatusCode.OK, preview.Status);
        Assert.Equal(expected, preview.Object["occurrences"]![0].Instant());
    }

    [Fact]
    public async Task Create_SameKeyAndSameBody_Returns200WithTheSameJob()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var body = JobBodies.Noop().With(new() { ["key"] = "invoice-42", ["payload"] = new JsonObject { ["user_id"] = 123 }, ["tags"] = new JsonArray("billing") });
        var first = await node.CreateJobAsync(body);

        var again = await node.PostAsync("/v1/jobs", body);
        const string reordered = """{ "tags": ["billing"], "target": {"type": "noop"}, "payload": {"user_id": 123}, "every": "PT1H", "key": "invoice-42" }""";
        var reorderedAgain = await node.SendAsync(HttpMethod.Post, "/v1/jobs", reordered);

        Assert.Equal(HttpStatusCode.OK, again.Status);
        Assert.Equal((string?)first["id"], (string?)again.Object["id"]);
        Assert.Equal((long)first["version"]!, (long)again.Object["version"]!);
        Assert.Equal(HttpStatusCode.OK, reorderedAgain.Status);
        Assert.Equal((string?)first["id"], (string?)reorderedAgain.Object["id"]);
        var list = (await node.GetAsync("/v1/jobs")).Object;
        Assert.Single(list["items"]!.AsArray());
    }

    [Fact]
    public async Task Create_SameKeyAndDifferentBody_Returns409NamingTheKeyAndJob()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var first = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["key"] = "invoice-42" }));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop("PT2H").With(new() { ["key"] = "invoice-42" }));

        var detail = (string)response.Problem(HttpStatusCode.Conflict)["detail"]!;
        Assert.Contains("invoice-42", detail, StringComparison.Ordinal);
        Assert.Contains((string)first["id"]!, detail, StringComparison.Ordinal);
        var stored = (await node.GetAsync($"/v1/jobs/{first["id"]}")).Object;
        Assert.Equal("PT1H", (string?)stored["every"]);
    }

    [Fact]
    public async Task Create_ScheduleTimeSlightlyPast_IsAcceptedAndDue()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var at = T0.AddSeconds(-30);

        var job = await node.CreateJobAsync(JobBodies.At(at, new JsonObject { ["type"] = "noop" }));

        Assert.Equal(at, job["next_fire_at"].Instant());
    }

    [Fact]
    public async Task Create_PastScheduleTimeWithinStartingDeadline_IsAccepted()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var at = T0.AddMinutes(-5);

        var job = await node.CreateJobAsync(JobBodies.At(at, new JsonObject { ["type"] = "noop" }).With(new() { ["starting_deadline"] = "PT10M" }));

        Assert.Equal(at, job["next_fire_at"].Instant());
        Assert.Equal("PT10M", (string?)job["starting_deadline"]);
    }
}
