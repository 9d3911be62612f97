namespace Kron.Cli.Tests;

public sealed class JobCommandsTests
{
    [Theory]
    [InlineData(500, "application/problem+json", """{"title":"Internal Server Error","status":500,"detail":"the database is not reachable"}""", "kron: the database is not reachable")]
    [InlineData(401, "application/problem+json", """{"title":"Unauthorized","status":401,"detail":"a bearer token is required"}""", "kron: a bearer token is required; set KRON_TOKEN to a valid API token")]
    [InlineData(200, "text/html", "<html>not kron</html>", "kron: the answer from http://127.0.0.1:")]
    public async Task Ls_ServerFailure_ExitsOneWithOneLine(int status, string contentType, string body, string expectedStart)
    {
        await using var server = new FakeKronServer(_ => new FakeResponse(status, body, contentType));

        var result = await CliRunner.RunInProcessAsync("job", "ls", "--url", server.Url);

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith(expectedStart, result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_UnreachableServer_ExitsOneAndSaysHowToStartOne()
    {
        var result = await CliRunner.RunInProcessAsync("job", "ls", "--url", "http://127.0.0.1:1");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        // The part in parentheses is the operating system's words for the failure.
        Assert.StartsWith("kron: the Kron server at http://127.0.0.1:1/ is not reachable (", result.ErrorLine, StringComparison.Ordinal);
        Assert.EndsWith("); start one with 'kron serve' or set KRON_URL to the address of a running server", result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ls_RealProcessWithKronToken_SendsItAsBearer()
    {
        // The real server does not check tokens; only a recording server shows that KRON_TOKEN is sent.
        await using var server = new FakeKronServer(_ => FakeResponse.Json(ApiJson.Page(null)));

        var result = await CliRunner.RunProcessAsync(new Dictionary<string, string> { ["KRON_URL"] = server.Url, ["KRON_TOKEN"] = "t0ken" }, "job", "ls");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("Bearer t0ken", server.SingleRequest.Headers["Authorization"]);
    }

    [Fact]
    public async Task Ls_RealProcessWithUnreachableKronUrl_ExitsOne()
    {
        var result = await CliRunner.RunProcessAsync(new Dictionary<string, string> { ["KRON_URL"] = "http://127.0.0.1:1" }, "job", "ls");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("http://127.0.0.1:1/ is not reachable", result.ErrorLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.com", "kron: --url: \"ftp://example.com\" is not a server URL")]
    [InlineData("localhost:7070", "kron: --url: \"localhost:7070\" is not a server URL")]
    public async Task Ls_BadUrl_ExitsTwo(string url, string expectedStart)
    {
        var result = await CliRunner.RunInProcessAsync("job", "ls", "--url", url);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expectedStart, result.ErrorLine, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "job", "ls", "--limit", "0" }, "kron: --limit must be at least 1, not 0")]
    [InlineData(new[] { "job", "get" }, "kron: ")]
    [InlineData(new[] { "job", "pause", "a", "b" }, "kron: ")]
    public async Task Job_BadFlags_ExitTwo(string[] args, string expectedStart)
    {
        var result = await CliRunner.RunInProcessAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith(expectedStart, result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_JobAndItsCommands_ExplainThemselves()
    {
        var job = await CliRunner.RunInProcessAsync("job", "--help");
        var ls = await CliRunner.RunInProcessAsync("job", "ls", "--help");
        var get = await CliRunner.RunInProcessAsync("job", "get", "--help");

        foreach (var command in new[] { "add", "ls", "get <id>", "rm <id>", "pause <id>", "resume <id>", "trigger <id>" })
        {
            Assert.Contains("  " + command + " ", job.Output, StringComparison.Ordinal);
        }

        Assert.Contains("KRON_URL", job.Output, StringComparison.Ordinal);
        Assert.Contains("Exit codes", job.Output, StringComparison.Ordinal);
        foreach (var flag in new[] { "--tag", "--state", "--limit", "--cursor", "--all", "--url", "--json" })
        {
            Assert.Contains($"  {flag} ", ls.Output, StringComparison.Ordinal);
        }

        Assert.Contains("A missing job exits 1", get.Output, StringComparison.Ordinal);
    }
}
