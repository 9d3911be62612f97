namespace Kron.Cli.Tests;

public sealed class CronNextCommandTests
{
    [Theory]
    [InlineData("*/15 * * * *", "UTC", "2025-01-01T00:07:30Z", "2025-01-01T00:15:00+00:00", "2025-01-01T00:30:00+00:00", "2025-01-01T00:45:00+00:00")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-08T12:00-05:00", "2025-03-09T03:00:00-04:00", "2025-03-10T02:30:00-04:00", "2025-03-11T02:30:00-04:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T00:45-04:00", "2025-11-02T01:30:00-04:00", "2025-11-02T01:30:00-05:00", "2025-11-02T02:30:00-05:00")]
    [InlineData("15 2 * * *", "Australia/Lord_Howe", "2025-10-04T00:00+10:30", "2025-10-04T02:15:00+10:30", "2025-10-05T02:30:00+11:00", "2025-10-06T02:15:00+11:00")]
    [InlineData("0 0 * * 1#1", "UTC", "2025-01-01T00:00Z", "2025-01-06T00:00:00+00:00", "2025-02-03T00:00:00+00:00", "2025-03-03T00:00:00+00:00")]
    public async Task Next_SpecExample_PrintsOneRfc3339InstantPerLine(string expression, string zone, string after, params string[] expected)
    {
        var result = await CliRunner.RunInProcessAsync("cron", "next", expression, "--tz", zone, "--after", after, "--count", "3");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(expected, result.Lines);
        Assert.Empty(result.Error);
    }

    [Fact]
    public async Task Next_NoOptions_UsesUtcNowAndFive()
    {
        var result = await CliRunner.RunInProcessAsync(new DateTimeOffset(2025, 1, 1, 0, 7, 30, TimeSpan.Zero), "cron", "next", "0 * * * *");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            ["2025-01-01T01:00:00+00:00", "2025-01-01T02:00:00+00:00", "2025-01-01T03:00:00+00:00", "2025-01-01T04:00:00+00:00", "2025-01-01T05:00:00+00:00"],
            result.Lines);
    }

    [Fact]
    public async Task Next_ImpossibleCalendar_PrintsNever()
    {
        var result = await CliRunner.RunInProcessAsync("cron", "next", "0 0 30 2 *");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["never"], result.Lines);
    }

    [Fact]
    public async Task Next_HashWithSeed_IsStableAcrossRuns()
    {
        var first = await CliRunner.RunInProcessAsync("cron", "next", "H H * * *", "--seed", "invoice-42", "--count", "2");
        var second = await CliRunner.RunInProcessAsync("cron", "next", "H H * * *", "--seed", "invoice-42", "--count", "2");

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(2, first.Lines.Length);
        Assert.Equal(first.Output, second.Output);
    }

    [Theory]
    [InlineData(new[] { "cron", "next", "0 0 * * 8" }, "day-of-week field \"8\"")]
    [InlineData(new[] { "cron", "next", "*/0 * * * *" }, "minute field \"*/0\"")]
    [InlineData(new[] { "cron", "next", "0 0 * * monday" }, "full names are not accepted")]
    [InlineData(new[] { "cron", "next", "* * * * * *" }, "sixth field")]
    [InlineData(new[] { "cron", "next", "@Daily" }, "macros are lower case")]
    [InlineData(new[] { "cron", "next", "0 0 * * *", "--tz", "Mars/Olympus_Mons" }, "unknown time zone \"Mars/Olympus_Mons\"")]
    [InlineData(new[] { "cron", "next", "0 0 * * *", "--after", "2025-01-01T00:00:00" }, "--after")]
    [InlineData(new[] { "cron", "next", "0 0 * * *", "--count", "0" }, "--count must be between 1")]
    [InlineData(new[] { "cron", "next", "H * * * *" }, "seed")]
    [InlineData(new[] { "cron", "next", "0 0 * * *", "--bogus" }, "--bogus")]
    [InlineData(new[] { "cron", "next" }, "expression")]
    public async Task Next_InvalidInput_ExitsTwoWithOneLineError(string[] args, string expectedInError)
    {
        var result = await CliRunner.RunInProcessAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        var line = Assert.Single(result.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("kron: ", line, StringComparison.Ordinal);
        Assert.Contains(expectedInError, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_RootAndCron_ExplainThemselves()
    {
        var root = await CliRunner.RunInProcessAsync("--help");
        var cron = await CliRunner.RunInProcessAsync("cron", "--help");
        var next = await CliRunner.RunInProcessAsync("cron", "next", "--help");

        Assert.Equal(0, root.ExitCode);
        Assert.Contains("cron", root.Output, StringComparison.Ordinal);
        Assert.Contains("scheduler", root.Output, StringComparison.Ordinal);
        Assert.Contains("next", cron.Output, StringComparison.Ordinal);
        Assert.Contains("--tz", next.Output, StringComparison.Ordinal);
        Assert.Contains("--after", next.Output, StringComparison.Ordinal);
        Assert.Contains("--count", next.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Next_RealProcess_PrintsOccurrencesAndExitCodes()
    {
        var ok = await CliRunner.RunProcessAsync("cron", "next", "30 1 * * *", "--tz", "America/New_York", "--after", "2025-11-01T12:00:00-04:00", "--count", "3");
        var bad = await CliRunner.RunProcessAsync("cron", "next", "61 * * * *");

        Assert.Equal(0, ok.ExitCode);
        Assert.Equal(["2025-11-02T01:30:00-04:00", "2025-11-03T01:30:00-05:00", "2025-11-04T01:30:00-05:00"], ok.Lines);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("minute field \"61\"", bad.Error, StringComparison.Ordinal);
    }
}
