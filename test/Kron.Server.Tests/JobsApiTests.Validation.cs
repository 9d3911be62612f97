using System.Net;
using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Server.Tests;

public sealed partial class JobsApiTests
{
    /// <summary>Each case changes a valid body (<c>every</c> PT1H, noop target) in one way; null removes a field.</summary>
    [Theory]
    [InlineData("""{"every": null}""", "schedule")]
    [InlineData("""{"cron": "0 3 * * *"}""", "schedule")]
    [InlineData("""{"schedule_time": "2099-01-01T00:00:00Z"}""", "schedule")]
    [InlineData("""{"every": null, "cron": "0 3 * * *", "time_zone": "Mars/Olympus_Mons"}""", "time_zone")]
    [InlineData("""{"every": null, "cron": "0 3 * * *", "time_zone": "../../etc/passwd"}""", "time_zone")]
    [InlineData("""{"every": null, "cron": "@reboot"}""", "cron")]
    [InlineData("""{"every": null, "schedule_time": "2025-03-08T16:58:00Z"}""", "schedule_time")]
    [InlineData("""{"every": "PT0.5S"}""", "every")]
    [InlineData("""{"every": "PT0S"}""", "every")]
    [InlineData("""{"key": ""}""", "key")]
    [InlineData("""{"retries": -1}""", "retries")]
    [InlineData("""{"retries": 101}""", "retries")]
    [InlineData("""{"timeout": "PT0S"}""", "timeout")]
    [InlineData("""{"timeout": "P2D"}""", "timeout")]
    [InlineData("""{"starting_deadline": "PT0S"}""", "starting_deadline")]
    [InlineData("""{"priority": 1001}""", "priority")]
    [InlineData("""{"priority": -1001}""", "priority")]
    [InlineData("""{"tags": [""]}""", "tags")]
    [InlineData("""{"concurrency": "sometimes"}""", "concurrency")]
    [InlineData("""{"misfire": "never"}""", "misfire")]
    [InlineData("""{"delivery": "exactly_once"}""", "delivery")]
    [InlineData("""{"target": null}""", "target")]
    [InlineData("""{"target": {}}""", "target.type")]
    [InlineData("""{"target": {"type": "ftp"}}""", "target.type")]
    [InlineData("""{"target": {"type": "queue", "job_type": "email_send"}}""", "target.queue")]
    [InlineData("""{"target": {"type": "queue", "queue": "bad queue", "job_type": "email_send"}}""", "target.queue")]
    [InlineData("""{"target": {"type": "queue", "queue": "default"}}""", "target.job_type")]
    [InlineData("""{"target": {"type": "queue", "queue": "default", "job_type": "x", "url": "https://example.test"}}""", "target.url")]
    [InlineData("""{"target": {"type": "http"}}""", "target.url")]
    [InlineData("""{"target": {"type": "http", "url": "ftp://example.test/x"}}""", "target.url")]
    [InlineData("""{"target": {"type": "http", "url": "/relative"}}""", "target.url")]
    [InlineData("""{"target": {"type": "http", "url": "https://example.test", "method": "PO ST"}}""", "target.method")]
    [InlineData("""{"target": {"type": "http", "url": "https://example.test", "command": "ls"}}""", "target.command")]
    [InlineData("""{"target": {"type": "http", "url": "https://example.test", "working_directory": "/tmp"}}""", "target.working_directory")]
    [InlineData("""{"target": {"type": "http", "url": "https://example.test", "fail_rate": 0.5}}""", "target.fail_rate")]
    [InlineData("""{"target": {"type": "http", "url": "https://example.test", "queue": "default"}}""", "target.queue")]
    [InlineData("""{"target": {"type": "shell"}}""", "target.command")]
    [InlineData("""{"target": {"type": "shell", "command": "  "}}""", "target.command")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "user": "root; rm"}}""", "target.user")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "working_directory": "relative/dir"}}""", "target.working_directory")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "url": "https://example.test"}}""", "target.url")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "headers": {"a": "b"}}}""", "target.headers")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "duration": "PT1S"}}""", "target.duration")]
    [InlineData("""{"target": {"type": "shell", "command": "ls", "job_type": "email_send"}}""", "target.job_type")]
    [InlineData("""{"target": {"type": "noop", "duration": "PT2H"}}""", "target.duration")]
    [InlineData("""{"target": {"type": "noop", "fail_rate": 1.5}}""", "target.fail_rate")]
    [InlineData("""{"target": {"type": "noop", "url": "https://example.test"}}""", "target.url")]
    [InlineData("""{"target": {"type": "noop", "method": "GET"}}""", "target.method")]
    [InlineData("""{"target": {"type": "noop", "headers": {"a": "b"}}}""", "target.headers")]
    [InlineData("""{"target": {"type": "noop", "command": "ls"}}""", "target.command")]
    [InlineData("""{"target": {"type": "noop", "user": "alice"}}""", "target.user")]
    [InlineData("""{"target": {"type": "noop", "environment": {"A": "1"}}}""", "target.environment")]
    public async Task Create_InvalidField_Returns400NamingTheField(string change, string field)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(JsonNode.Parse(change)!.AsObject()));

        var messages = response.FieldErrors(field);
        Assert.All(messages, m => Assert.False(string.IsNullOrWhiteSpace(m)));
        Assert.Empty((await node.GetAsync("/v1/jobs")).Object["items"]!.AsArray());
    }

    [Theory]
    [InlineData("key")]
    [InlineData("name")]
    public async Task Create_TextLongerThan200_Returns400NamingTheField(string field)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var atLimit = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { [field] = new string('a', 200) }));
        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { [field] = new string('a', 201) }));

        Assert.Equal(HttpStatusCode.Created, atLimit.Status);
        Assert.Contains("200", response.FieldErrors(field)[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_TooManyOrTooLongTags_Returns400NamingTags()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var tooMany = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { ["tags"] = new JsonArray([.. Enumerable.Range(0, 51).Select(i => JsonValue.Create($"t{i}"))]) }));
        var tooLong = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { ["tags"] = new JsonArray(new string('t', 201)) }));

        Assert.Contains("50", tooMany.FieldErrors("tags")[0], StringComparison.Ordinal);
        Assert.Contains("200", tooLong.FieldErrors("tags")[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("61 * * * *", "minute", "61")]
    [InlineData("0 25 * * *", "hour", "25")]
    [InlineData("0 0 32 * *", "day-of-month", "32")]
    [InlineData("0 0 * 13 *", "month", "13")]
    [InlineData("0 0 * * monday", "day-of-week", "monday")]
    [InlineData("*/0 * * * *", "minute", "*/0")]
    public async Task Create_BadCron_Returns400NamingTheCronFieldAndToken(string cron, string cronField, string token)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { ["every"] = null, ["cron"] = cron }));

        var message = response.FieldErrors("cron")[0];
        Assert.Contains(cronField, message, StringComparison.Ordinal);
        Assert.Contains($"\"{token}\"", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_SeveralMistakes_ReportsEveryFieldAtOnce()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop("PT0.1S").With(new() { ["retries"] = -1, ["misfire"] = "never", ["target"] = new JsonObject { ["type"] = "http" } }));

        var errors = response.Problem(HttpStatusCode.BadRequest)["errors"]!.AsObject();
        Assert.Equal(["every", "misfire", "retries", "target.url"], errors.Select(e => e.Key).Order(StringComparer.Ordinal));
        Assert.Contains("run_once", (string)errors["misfire"]![0]!, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"every": "PT1H", "target": {"type": "noop"}, "colour": "red"}""", "colour")]
    [InlineData("""{"every": "PT1H", "target": {"type": "noop", "speed": 3}}""", "speed")]
    [InlineData("""{"every": "PT1H", "target": {"type": "noop"}, "scheduleTime": "2099-01-01T00:00:00Z"}""", "scheduleTime")]
    public async Task Create_UnknownField_Returns400NamingTheField(string body, string field)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs", body);

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.Contains($"\"{field}\"", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{", "")]
    [InlineData("not json", "")]
    [InlineData("", "no body")]
    [InlineData("null", "null")]
    [InlineData("[1, 2]", "")]
    [InlineData("""{"every": 30, "target": {"type": "noop"}}""", "$.every")]
    [InlineData("""{"every": "thirty seconds", "target": {"type": "noop"}}""", "ISO 8601")]
    [InlineData("""{"every": "PT1H", "target": {"type": "noop"}, "retries": "three"}""", "$.retries")]
    [InlineData("""{"schedule_time": "tomorrow", "target": {"type": "noop"}}""", "$.schedule_time")]
    public async Task Create_MalformedJson_Returns400WithDetail(string body, string mentioned)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs", body);

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.Contains(mentioned, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1024 * 1024)]
    [InlineData(3 * 1024 * 1024)]
    public async Task Create_PayloadOverOneMebibyte_Returns413(int payloadChars)
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var response = await node.PostAsync("/v1/jobs", JobBodies.Noop().With(new() { ["payload"] = new string('x', payloadChars) }));

        response.Problem(HttpStatusCode.RequestEntityTooLarge);
        Assert.Empty((await node.GetAsync("/v1/jobs")).Object["items"]!.AsArray());
    }

    [Fact]
    public async Task Create_PayloadJustUnderOneMebibyte_IsStored()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));

        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["payload"] = new string('x', (1024 * 1024) - 100) }));

        Assert.Equal((1024 * 1024) - 100, ((string)job["payload"]!).Length);
    }

    [Fact]
    public async Task Patch_InvalidOrUnknownFields_Returns400AndKeepsTheJob()
    {
        await using var node = await TestNode.StartAsync(new ManualTimeProvider(T0));
        var job = await node.CreateJobAsync(JobBodies.Noop());
        var id = (string)job["id"]!;

        var invalid = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["every"] = "PT0.1S", ["target"] = new JsonObject { ["type"] = "shell" } });
        var unknown = await node.SendAsync(HttpMethod.Patch, $"/v1/jobs/{id}", """{"paused_until": "2099-01-01T00:00:00Z"}""");
        var twoSchedules = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["every"] = "PT1M", ["cron"] = "* * * * *" });
        var tooLarge = await node.PatchAsync($"/v1/jobs/{id}", new JsonObject { ["payload"] = new string('x', 1024 * 1024) });

        Assert.NotEmpty(invalid.FieldErrors("every"));
        Assert.NotEmpty(invalid.FieldErrors("target.command"));
        Assert.Contains("\"paused_until\"", (string)unknown.Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
        Assert.NotEmpty(twoSchedules.FieldErrors("schedule"));
        tooLarge.Problem(HttpStatusCode.RequestEntityTooLarge);
        var stored = (await node.GetAsync($"/v1/jobs/{id}")).Object;
        Assert.Equal("PT1H", (string?)stored["every"]);
        Assert.Equal((long)job["version"]!, (long)stored["version"]!);
    }
}
