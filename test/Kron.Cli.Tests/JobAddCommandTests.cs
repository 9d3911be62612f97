namespace Kron.Cli.Tests;

public sealed class JobAddCommandTests
{
    // Nothing listens on port 1: a request that got past validation would fail with exit 1, not 2.
    private const string Nowhere = "http://127.0.0.1:1";

    [Theory]
    [InlineData(new[] { "--cron", "0 3 * * *", "--at", "2026-01-01T00:00:00Z", "--noop" }, "kron: choose one schedule: --cron and --at cannot be combined")]
    [InlineData(new[] { "--every", "5m", "--cron", "@daily", "--noop" }, "kron: choose one schedule: --cron and --every cannot be combined")]
    [InlineData(new[] { "--noop" }, "kron: a schedule is required: --cron EXPRESSION, --at INSTANT or --every DURATION")]
    [InlineData(new[] { "--cron", "0 3 * * *" }, "kron: a target is required: --http URL, --shell COMMAND, --queue NAME --job-type TYPE or --noop")]
    [InlineData(new[] { "--cron", "0 3 * * *", "--noop", "--shell", "true" }, "kron: choose one target: --shell and --noop cannot be combined")]
    [InlineData(new[] { "--every", "soon", "--noop" }, "kron: --every: \"soon\" is not a duration; write it as ISO 8601 such as PT30S, or 30s, 5m, 1h, 1h30m, 1d, 250ms")]
    [InlineData(new[] { "--every", "1m", "--noop", "--timeout", "0s" }, "kron: --timeout: the duration must be more than zero, not \"0s\"")]
    [InlineData(new[] { "--every", "1m", "--http", "https://x.test", "--header", "X-Team" }, "kron: --header: \"X-Team\" is not KEY=VALUE; write it like --header NAME=value")]
    [InlineData(new[] { "--every", "1m", "--shell", "env", "--env", "=1" }, "kron: --env: \"=1\" is not KEY=VALUE; write it like --env NAME=value")]
    [InlineData(new[] { "--at", "2026-01-01T00:00:00", "--noop" }, "kron: --at: \"2026-01-01T00:00:00\" is not an RFC 3339 instant with an offset; write it like 2025-03-09T03:00:00Z or 2025-03-09T03:00:00-05:00")]
    [InlineData(new[] { "--every", "1m", "--tz", "Europe/Berlin", "--noop" }, "kron: --tz applies only with --cron")]
    [InlineData(new[] { "--every", "1m", "--noop", "--method", "GET" }, "kron: --method applies only with --http")]
    [InlineData(new[] { "--every", "1m", "--http", "x.test/hook" }, "kron: --http: \"x.test/hook\" is not an absolute http or https URL, such as https://example.com/hook")]
    [InlineData(new[] { "--every", "1m", "--queue", "default" }, "kron: --queue needs --job-type TYPE: the handler type a worker registered")]
    [InlineData(new[] { "--every", "1m", "--noop", "--fail-rate", "1.5" }, "kron: --fail-rate must be between 0 and 1, not 1.5")]
    [InlineData(new[] { "--every", "1m", "--noop", "--retries", "-1" }, "kron: --retries must be 0 or more (attempts after the first), not -1")]
    [InlineData(new[] { "--every", "1m", "--noop", "--payload", "{oops" }, "kron: --payload: not valid JSON")]
    [InlineData(new[] { "--every", "1m", "--noop", "--payload", "{}", "--payload-file", "p.json" }, "kron: choose one of --payload JSON and --payload-file PATH")]
    [InlineData(new[] { "--every", "1m", "--noop", "--payload-file", "/nonexistent/kron.json" }, "kron: --payload-file: cannot read \"/nonexistent/kron.json\"")]
    [InlineData(new[] { "--every", "1m", "--noop", "--misfire", "later" }, "kron: --misfire must be one of run_once, skip, run_all, not \"later\"")]
    [InlineData(new[] { "--every", "1m", "--noop", "--retries", "many" }, "kron: ")]
    [InlineData(new[] { "--every", "1m", "--noop", "--bogus" }, "kron: ")]
    [InlineData(new[] { "--from-json", "job.json", "--name", "x" }, "kron: --from-json sends the request as it is; leave out --name or put it in the JSON")]
    public async Task Add_InvalidFlags_ExitsTwoWithOneLineErrorAndSendsNothing(string[] flags, string expectedStart)
    {
        var result = await CliRunner.RunInProcessAsync(["job", "add", "--url", Nowhere, .. flags]);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith(expectedStart, result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Add_FromJsonWithAnUnknownField_ExitsTwoBeforeSending()
    {
        var result = await CliRunner.RunWithInputAsync("""{"every":"PT30S","target":{"type":"noop"},"schedule":"daily"}""", "job", "add", "--url", Nowhere, "--from-json", "-");

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("kron: --from-json: standard input is not a job create request:", result.ErrorLine, StringComparison.Ordinal);
        Assert.Contains("schedule", result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_JobAdd_ExplainsEveryFlag()
    {
        var result = await CliRunner.RunInProcessAsync("job", "add", "--help");

        Assert.Equal(0, result.ExitCode);
        foreach (var flag in new[] { "--name", "--key", "--cron", "--tz", "--at", "--every", "--http", "--method", "--header", "--shell", "--user", "--workdir", "--env", "--queue", "--job-type", "--noop", "--duration", "--fail-rate", "--payload", "--payload-file", "--retries", "--timeout", "--concurrency", "--misfire", "--starting-deadline", "--delivery", "--priority", "--tag", "--paused", "--from-json", "--url", "--json" })
        {
            Assert.Contains($"  {flag} ", result.Output, StringComparison.Ordinal);
        }
    }
}
