using System.Globalization;
using System.Text.Json.Nodes;
using Kron.Core.Time;

namespace Kron.Cli.Tests;

/// <summary><c>kron job add</c> against a real <c>kron serve</c>: what a user registers is what the server stores.</summary>
public sealed class JobAddServerTests(KronServerFixture server) : IClassFixture<KronServerFixture>
{
    [Fact]
    public async Task Add_CronInAZoneWithHttpTarget_PrintsTheStoredJobFiringAtThreeInThatZone()
    {
        var tag = KronServerFixture.NewTag();

        var result = await server.KronAsync(
            "job", "add", "--name", "nightly-report", "--cron", "0 3 * * *", "--tz", "Europe/Berlin",
            "--http", "https://example.test/hook", "--method", "PUT", "--header", "X-Team=billing", "--tag", tag, "--tag", "billing", "--retries", "2");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.StartsWith("created job ", result.Lines[0], StringComparison.Ordinal);
        var id = result.Lines[0]["created job ".Length..];
        Assert.Contains($"id:                 {id}", result.Lines);
        Assert.Contains("name:               nightly-report", result.Lines);
        Assert.Contains("schedule:           0 3 * * * Europe/Berlin", result.Lines);
        Assert.Contains("target:             PUT https://example.test/hook", result.Lines);
        Assert.Contains("retries:            2", result.Lines);
        Assert.Contains($"tags:               {tag}, billing", result.Lines);
        var job = await server.KronJsonAsync("job", "get", id);
        Assert.Equal("0 3 * * *", (string?)job["cron"]);
        Assert.Equal("Europe/Berlin", (string?)job["time_zone"]);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"type":"http","url":"https://example.test/hook","method":"PUT","headers":{"X-Team":"billing"}}"""),
            job["target"]));
        var nextFire = DateTimeOffset.Parse((string)job["next_fire_at"]!, CultureInfo.InvariantCulture);
        Assert.Contains($"next fire:          {Rfc3339.Format(nextFire)}", result.Lines);
        var berlin = TimeZoneInfo.ConvertTime(nextFire, TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin"));
        Assert.Equal((3, 0, 0), (berlin.Hour, berlin.Minute, berlin.Second));
        Assert.InRange(nextFire - TimeProvider.System.GetUtcNow(), TimeSpan.Zero, TimeSpan.FromHours(25));
    }

    [Fact]
    public async Task Add_EveryWithJson_PrintsTheApisJsonForTheJob()
    {
        var tag = KronServerFixture.NewTag();

        var job = await server.AddJobAsync("--every", "90s", "--noop", "--tag", tag);

        var id = (string)job["id"]!;
        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{id}"), job), job.ToJsonString());
        Assert.Equal("PT1M30S", (string?)job["every"]);
        Assert.Equal("noop", (string?)job["target"]!["type"]);
        Assert.Equal(3, (int)job["retries"]!);
        Assert.Equal("at_least_once", (string?)job["delivery"]);
        Assert.False((bool)job["paused"]!);
        var created = DateTimeOffset.Parse((string)job["created_at"]!, CultureInfo.InvariantCulture);
        var nextFire = DateTimeOffset.Parse((string)job["next_fire_at"]!, CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.FromSeconds(90), nextFire - created);
    }

    [Fact]
    public async Task Add_RetryBackoffAndMaxConcurrent_RoundTripInTheJobJson()
    {
        var job = await server.AddJobAsync(
            "--every", "1h", "--noop", "--retry-initial", "2s", "--retry-multiplier", "3", "--retry-max", "1m", "--retry-jitter", "none",
            "--max-concurrent", "2", "--tag", KronServerFixture.NewTag());

        Assert.Equal("PT2S", (string?)job["retry"]!["initial_interval"]);
        Assert.Equal(3d, (double)job["retry"]!["multiplier"]!);
        Assert.Equal("PT1M", (string?)job["retry"]!["max_interval"]);
        Assert.Equal("none", (string?)job["retry"]!["jitter"]);
        Assert.Equal(2, (int)job["max_concurrent"]!);
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{job["id"]}"), job), job.ToJsonString());
        var shown = await server.KronAsync("job", "get", (string)job["id"]!);
        Assert.Contains("max concurrent:     2", shown.Lines);
    }

    [Theory]
    [InlineData("--retry-multiplier", "0.5", "kron: --retry-multiplier must be at least 1, not 0.5")]
    [InlineData("--max-concurrent", "0", "kron: --max-concurrent must be at least 1, not 0")]
    [InlineData("--retry-initial", "soon", "kron: --retry-initial: \"soon\" is not a duration; write it as " + Kron.Cli.Commands.FlagSyntax.DurationHelp)]
    public async Task Add_InvalidBackoffFlag_ExitsTwoWithOneLine(string flag, string value, string expected)
    {
        var result = await server.KronAsync("job", "add", "--every", "1h", "--noop", flag, value);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(expected, result.ErrorLine);
    }

    [Fact]
    public async Task Add_AtWithShellTarget_FiresAtThatInstant()
    {
        var at = new DateTimeOffset(2030, 6, 1, 12, 0, 0, TimeSpan.FromHours(2));

        var job = await server.AddJobAsync(
            "--at", "2030-06-01T12:00:00+02:00", "--shell", "echo hi", "--workdir", server.Directory, "--env", "GREETING=hello",
            "--tag", KronServerFixture.NewTag());

        Assert.Equal(at, DateTimeOffset.Parse((string)job["schedule_time"]!, CultureInfo.InvariantCulture));
        Assert.Equal(at, DateTimeOffset.Parse((string)job["next_fire_at"]!, CultureInfo.InvariantCulture));
        Assert.Null(job["cron"]);
        Assert.True(JsonNode.DeepEquals(
            new JsonObject { ["type"] = "shell", ["command"] = "echo hi", ["working_directory"] = server.Directory, ["environment"] = new JsonObject { ["GREETING"] = "hello" } },
            job["target"]));
    }

    [Theory]
    [InlineData(new[] { "--http", "https://example.test/hook" }, "POST https://example.test/hook")]
    [InlineData(new[] { "--shell", "make report" }, "shell: make report")]
    [InlineData(new[] { "--noop" }, "noop")]
    [InlineData(new[] { "--noop", "--duration", "10ms" }, "noop PT0.01S")]
    public async Task Add_EachTarget_IsListedAsRegistered(string[] target, string expected)
    {
        var tag = KronServerFixture.NewTag();

        var added = await server.KronAsync(["job", "add", "--every", "1h", "--tag", tag, .. target]);
        var listed = await server.KronAsync("job", "ls", "--tag", tag);

        Assert.Equal(0, added.ExitCode);
        var row = Assert.Single(CliTable.Parse(listed.Lines, "ID", "NAME", "SCHEDULE", "TARGET", "NEXT FIRE", "PAUSED", "LAST RUN"));
        Assert.Equal(expected, row["TARGET"]);
        Assert.Equal("every PT1H", row["SCHEDULE"]);
    }

    [Fact]
    public async Task Add_SameKeyAndFlagsAgain_ReturnsTheSameJobAndExitsZero()
    {
        var tag = KronServerFixture.NewTag();
        string[] add = ["job", "add", "--key", tag, "--cron", "0 3 * * *", "--noop", "--tag", tag];

        var first = await server.KronAsync(add);
        var again = await server.KronAsync(add);
        var againJson = await server.KronJsonAsync(add);

        Assert.Equal(0, first.ExitCode);
        var id = first.Lines[0]["created job ".Length..];
        Assert.Equal($"created job {id}", first.Lines[0]);
        Assert.Equal(0, again.ExitCode);
        Assert.Equal($"job {id} already exists with this key and definition; nothing changed", again.Lines[0]);
        Assert.Equal(id, (string?)againJson["id"]);
        Assert.Equal(tag, (string?)againJson["key"]);
        var listed = await server.KronJsonAsync("job", "ls", "--tag", tag);
        Assert.Equal([id], listed["items"]!.AsArray().Select(job => (string?)job!["id"]));
    }

    [Fact]
    public async Task Add_SameKeyWithOtherFlags_ExitsTwoWithTheServersConflict()
    {
        var tag = KronServerFixture.NewTag();
        var job = await server.AddJobAsync("--key", tag, "--cron", "0 3 * * *", "--noop", "--tag", tag);
        var id = (string)job["id"]!;

        var result = await server.KronAsync("job", "add", "--key", tag, "--cron", "0 4 * * *", "--noop", "--tag", tag);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal($"kron: key \"{tag}\" is already used by job {id} with a different definition; use another key, or PATCH /v1/jobs/{id}", result.ErrorLine);
        Assert.Equal("0 3 * * *", (string?)(await server.KronJsonAsync("job", "get", id))["cron"]);
    }

    [Theory]
    [InlineData("61 * * * *", "kron: cron: invalid cron expression \"61 * * * *\": minute field \"61\": 61 is out of range; the value must be 0-59")]
    [InlineData("0 3 * * 8", "kron: cron: invalid cron expression \"0 3 * * 8\": day-of-week field \"8\": 8 is out of range; the value must be 0-7 (0 and 7 are Sunday)")]
    [InlineData("* * * *", "kron: cron: invalid cron expression \"* * * *\": expression: it has 4 fields; write five: minute hour day-of-month month day-of-week")]
    public async Task Add_BadCron_ExitsTwoWithOneLineNamingTheCronField(string cron, string expected)
    {
        var tag = KronServerFixture.NewTag();

        var result = await server.KronAsync("job", "add", "--cron", cron, "--noop", "--tag", tag);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(expected, result.ErrorLine);
        Assert.Equal(["no jobs"], (await server.KronAsync("job", "ls", "--tag", tag)).Lines);
    }

    [Fact]
    public async Task Add_UnknownZone_ExitsTwoWithOneLineNamingTheZone()
    {
        var result = await server.KronAsync("job", "add", "--cron", "0 3 * * *", "--tz", "Mars/Base", "--noop");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(
            "kron: time_zone: unknown time zone \"Mars/Base\"; use an IANA name such as UTC, Europe/Berlin or America/New_York",
            result.ErrorLine);
    }

    [Fact]
    public async Task Add_AtLongPast_ExitsTwoSayingItIsInThePast()
    {
        var result = await server.KronAsync("job", "add", "--at", "2020-01-01T00:00:00Z", "--noop");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("kron: schedule_time: schedule_time 2020-01-01T00:00:00+00:00 is more than PT1M in the past", result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_FromJsonOnStandardInput_RegistersTheRequestAsItIs()
    {
        var tag = KronServerFixture.NewTag();
        var request = $$"""{"every":"PT30S","target":{"type":"shell","command":"backup.sh"},"paused":true,"tags":["{{tag}}"]}""";

        var result = await server.KronWithInputAsync(request, "job", "add", "--from-json", "-", "--json");

        Assert.Equal(0, result.ExitCode);
        var job = JsonNode.Parse(result.Output)!;
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{job["id"]}"), job), result.Output);
        Assert.Equal("PT30S", (string?)job["every"]);
        Assert.Equal("backup.sh", (string?)job["target"]!["command"]);
        Assert.True((bool)job["paused"]!);
    }
}
