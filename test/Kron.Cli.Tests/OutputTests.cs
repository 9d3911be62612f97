using System.Net;
using Kron.Cli.Commands;
using Kron.Cli.Output;
using Kron.Protocol;

namespace Kron.Cli.Tests;

public sealed class OutputTests
{
    [Fact]
    public void TextTable_Rows_AlignsColumnsWithoutTrailingBlanks()
    {
        var table = new TextTable("ID", "NAME", "STATE");
        table.AddRow("j_1", "a much longer name", "ok");
        table.AddRow("j_22", null, "line\nbreak");
        using var writer = new StringWriter();

        table.Write(writer);

        Assert.Equal(
            "ID    NAME                STATE\n" +
            "j_1   a much longer name  ok\n" +
            "j_22  -                   line break\n",
            writer.ToString().ReplaceLineEndings("\n"));
    }

    [Fact]
    public void TextTable_RowOfTheWrongWidth_Throws()
    {
        var table = new TextTable("A", "B");

        Assert.Throws<ArgumentException>(() => table.AddRow("only one"));
    }

    [Theory]
    [InlineData(null, 10, "-")]
    [InlineData("  ", 10, "-")]
    [InlineData("tab\there", 20, "tab here")]
    [InlineData("abcdefghijkl", 8, "abcde...")]
    [InlineData("abcdefgh", 8, "abcdefgh")]
    public void Clean_Value_IsOneShortLine(string? value, int maxLength, string expected) =>
        Assert.Equal(expected, TextTable.Clean(value, maxLength));

    [Fact]
    public void Schedule_EachKind_ReadsNaturally()
    {
        var target = new TargetSpec { Type = "noop" };
        JobResponse Job(string? cron = null, TimeSpan? every = null, DateTimeOffset? at = null, string? zone = null) =>
            new() { Id = "j", Target = target, Retry = new RetrySpec(), Concurrency = "allow", Misfire = "run_once", Delivery = "at_least_once", Cron = cron, Every = every, ScheduleTime = at, TimeZone = zone };

        Assert.Equal("0 3 * * * UTC", JobTable.Schedule(Job(cron: "0 3 * * *")));
        Assert.Equal("@daily Asia/Tokyo", JobTable.Schedule(Job(cron: "@daily", zone: "Asia/Tokyo")));
        Assert.Equal("every PT1H30M", JobTable.Schedule(Job(every: TimeSpan.FromMinutes(90))));
        Assert.Equal("at 2026-12-31T23:59:59-05:00", JobTable.Schedule(Job(at: new DateTimeOffset(2026, 12, 31, 23, 59, 59, TimeSpan.FromHours(-5)))));
    }

    [Fact]
    public void Target_EachType_ReadsNaturally()
    {
        Assert.Equal("GET https://x.test/", JobTable.Target(new TargetSpec { Type = "http", Url = "https://x.test/", Method = "GET" }));
        Assert.Equal("POST https://x.test/", JobTable.Target(new TargetSpec { Type = "http", Url = "https://x.test/" }));
        Assert.Equal("shell: make all", JobTable.Target(new TargetSpec { Type = "shell", Command = "make all" }));
        Assert.Equal("queue default/email_send", JobTable.Target(new TargetSpec { Type = "queue", Queue = "default", JobType = "email_send" }));
        Assert.Equal("noop PT0.01S", JobTable.Target(new TargetSpec { Type = "noop", Duration = TimeSpan.FromMilliseconds(10) }));
        Assert.Equal("carrier-pigeon", JobTable.Target(new TargetSpec { Type = "carrier-pigeon" }));
    }

    [Theory]
    [InlineData(0, null, null, null, "exit 0")]
    [InlineData(null, 503, "timeout", null, "http 503, timeout")]
    [InlineData(null, null, null, "concurrency forbid", "skipped: concurrency forbid")]
    [InlineData(null, null, null, null, null)]
    public void Outcome_Run_JoinsWhatIsKnown(int? exitCode, int? httpStatus, string? error, string? skipReason, string? expected)
    {
        var run = new RunResponse
        {
            Id = "r",
            JobId = "j",
            Trigger = "schedule",
            State = "failed",
            Outcome = exitCode is null && httpStatus is null && error is null ? null : new RunOutcome(exitCode, httpStatus, error),
            SkipReason = skipReason,
        };

        Assert.Equal(expected, RunTable.Outcome(run));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, 2)]
    [InlineData(HttpStatusCode.Conflict, 2)]
    [InlineData(HttpStatusCode.RequestEntityTooLarge, 2)]
    [InlineData(HttpStatusCode.UnprocessableEntity, 2)]
    [InlineData(HttpStatusCode.NotFound, 1)]
    [InlineData(HttpStatusCode.Unauthorized, 1)]
    [InlineData(HttpStatusCode.TooManyRequests, 1)]
    [InlineData(HttpStatusCode.InternalServerError, 1)]
    [InlineData(HttpStatusCode.ServiceUnavailable, 1)]
    public void ExitCodeFor_Status_TwoOnlyForRefusedInput(HttpStatusCode status, int expected) =>
        Assert.Equal(expected, ClientCommand.ExitCodeFor(status));

    [Theory]
    [InlineData("http://flag:1", "http://env:2", "http://flag:1")]
    [InlineData(null, "http://env:2", "http://env:2")]
    [InlineData(null, "", ClientCommand.DefaultUrl)]
    [InlineData(null, null, "http://127.0.0.1:7070")]
    public void ResolveUrl_FlagThenEnvironmentThenDefault(string? flag, string? environment, string expected) =>
        Assert.Equal(expected, ClientCommand.ResolveUrl(flag, environment));
}
