using System.Text.Json;
using System.Text.Json.Nodes;
using Kron.Cli.Commands;
using Kron.Protocol;

namespace Kron.Cli.Tests;

public sealed class JobAddFlagsTests
{
    [Fact]
    public void ToRequest_CronHttpAndEveryPolicy_BuildsTheContractsJson()
    {
        var flags = new JobAddFlags
        {
            Name = "nightly-report",
            Key = "report-1",
            Cron = "0 3 * * *",
            TimeZone = "Europe/Berlin",
            Http = "https://example.test/hook",
            Method = "put",
            Headers = ["X-Team=billing", "Authorization=Bearer a=b"],
            Payload = """{"user_id": 123}""",
            Retries = 5,
            Timeout = "90s",
            Concurrency = "forbid",
            Misfire = "skip",
            StartingDeadline = "PT10M",
            Delivery = "at_most_once",
            Priority = 7,
            Tags = ["billing", "nightly"],
            Paused = true,
        };

        var json = JsonSerializer.Serialize(flags.ToRequest(), ProtocolJson.Options);

        Assert.True(
            JsonNode.DeepEquals(
                JsonNode.Parse("""
                    {"key":"report-1","name":"nightly-report","cron":"0 3 * * *","time_zone":"Europe/Berlin",
                     "target":{"type":"http","url":"https://example.test/hook","method":"PUT",
                               "headers":{"X-Team":"billing","Authorization":"Bearer a=b"}},
                     "payload":{"user_id":123},"retries":5,"timeout":"PT1M30S","concurrency":"forbid","misfire":"skip",
                     "starting_deadline":"PT10M","delivery":"at_most_once","priority":7,"tags":["billing","nightly"],"paused":true}
                    """),
                JsonNode.Parse(json)),
            json);
    }

    [Fact]
    public void ToRequest_AtWithShell_KeepsTheOffsetAndShellFields()
    {
        var request = new JobAddFlags
        {
            At = "2026-12-31T23:59:59+01:00",
            Shell = "backup.sh --full",
            User = "alice",
            WorkingDirectory = "/srv",
            Environment = ["MODE=full", "EMPTY="],
        }.ToRequest();

        Assert.Equal(new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.FromHours(1)), request.ScheduleTime);
        Assert.Equal(TimeSpan.FromHours(1), request.ScheduleTime!.Value.Offset);
        Assert.Null(request.Cron);
        Assert.Equal("shell", request.Target!.Type);
        Assert.Equal("backup.sh --full", request.Target.Command);
        Assert.Equal("alice", request.Target.User);
        Assert.Equal("/srv", request.Target.WorkingDirectory);
        Assert.Equal(new Dictionary<string, string> { ["MODE"] = "full", ["EMPTY"] = string.Empty }, request.Target.Environment);
        Assert.Null(request.Paused);
        Assert.Null(request.Tags);
    }

    [Theory]
    [InlineData("PT30S", 30_000)]
    [InlineData("pt5m", 300_000)]
    [InlineData("30s", 30_000)]
    [InlineData("5m", 300_000)]
    [InlineData("1h30m", 5_400_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData("250ms", 250)]
    [InlineData("0.5s", 500)]
    public void ToRequest_EveryForms_ParseToTheSameInterval(string every, long milliseconds)
    {
        var request = new JobAddFlags { Every = every, Noop = true, Duration = "10ms", FailRate = 0.1 }.ToRequest();

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), request.Every);
        Assert.Equal(new TargetSpec { Type = "noop", Duration = TimeSpan.FromMilliseconds(10), FailRate = 0.1 }, request.Target);
    }

    [Fact]
    public void ToRequest_Queue_NamesQueueAndJobType()
    {
        var request = new JobAddFlags { Cron = "@daily", Queue = "default", JobType = "email_send" }.ToRequest();

        Assert.Equal(new TargetSpec { Type = "queue", Queue = "default", JobType = "email_send" }, request.Target);
    }

    [Fact]
    public void ToRequest_PayloadFile_ReadsJsonFromTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"kron-payload-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"invoice": 42, "lines": [1, 2]}""");
        try
        {
            var request = new JobAddFlags { Every = "1h", Noop = true, PayloadFile = path }.ToRequest();

            Assert.Equal(42, request.Payload!.Value.GetProperty("invoice").GetInt32());
            Assert.Equal(2, request.Payload.Value.GetProperty("lines").GetArrayLength());
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ToRequest_PayloadStartingWithAt_IsJsonNotAFileName()
    {
        var e = Assert.Throws<InvalidInputException>(() => new JobAddFlags { Every = "1h", Noop = true, Payload = "@payload.json" }.ToRequest());

        Assert.StartsWith("--payload: not valid JSON", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1x")]
    [InlineData("")]
    [InlineData("-5m")]
    [InlineData("m5")]
    [InlineData("5 m")]
    [InlineData("P")]
    public void ParseDuration_NotADuration_NamesTheFlagAndTheForms(string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => FlagSyntax.ParseDuration("--timeout", text, allowZero: false));

        Assert.Equal($"--timeout: \"{text}\" is not a duration; write it as {FlagSyntax.DurationHelp}", e.Message);
    }

    [Theory]
    [InlineData("0s", false, "more than zero")]
    [InlineData("PT0S", false, "more than zero")]
    public void ParseDuration_Zero_IsRefusedWhereItMakesNoSense(string text, bool allowZero, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => FlagSyntax.ParseDuration("--every", text, allowZero));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, FlagSyntax.ParseDuration("--duration", text, allowZero: true));
    }

    [Theory]
    [InlineData("novalue", "\"novalue\" is not KEY=VALUE")]
    [InlineData("=value", "\"=value\" is not KEY=VALUE")]
    public void ParsePairs_NotKeyValue_NamesTheValue(string pair, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => FlagSyntax.ParsePairs("--env", [pair], StringComparer.Ordinal));

        Assert.Equal($"--env: {expected}; write it like --env NAME=value", e.Message);
    }

    [Fact]
    public void ParsePairs_HeaderNamesDifferingInCase_AreTheSameHeader()
    {
        var e = Assert.Throws<InvalidInputException>(() => FlagSyntax.ParsePairs("--header", ["X-A=1", "x-a=2"], StringComparer.OrdinalIgnoreCase));

        Assert.Equal("--header: \"x-a\" is given more than once", e.Message);
        Assert.Equal(2, FlagSyntax.ParsePairs("--env", ["X=1", "x=2"], StringComparer.Ordinal)!.Count);
        Assert.Null(FlagSyntax.ParsePairs("--env", [], StringComparer.Ordinal));
    }
}
