using System.Net;
using Kron.Client;
using Kron.Protocol;

namespace Kron.Cli.Tests;

public sealed class KronClientTests
{
    private static readonly JobCreateRequest EveryNoop = new() { Every = TimeSpan.FromSeconds(30), Target = new TargetSpec { Type = "noop" }, Tags = ["a"] };

    [Fact]
    public async Task Methods_EachEndpoint_SendsTheContractsMethodAndPath()
    {
        await using var server = new FakeKronServer(request => request.Path switch
        {
            "/v1/jobs" or "/v1/runs" or "/v1/jobs/j 1/runs" => FakeResponse.Json(ApiJson.Page(null)),
            "/v1/jobs/j 1/trigger" or "/v1/runs/r/1" => FakeResponse.Json(ApiJson.QueuedRun),
            "/v1/cron/next" => FakeResponse.Json("""{"expression":"0 3 * * *","time_zone":"UTC","occurrences":["2025-01-02T03:00:00+00:00"]}"""),
            _ when request.Method == "DELETE" => new FakeResponse(204),
            _ => FakeResponse.Json(ApiJson.CronJob),
        });
        using var client = KronClient.Create(server.Url);
        var ct = CancellationToken.None;

        await client.GetJobAsync("j 1", ct);
        await client.ListJobsAsync(tag: "billing & ops", state: "paused", cursor: "c+1", limit: 50, cancellationToken: ct);
        await client.PatchJobAsync("j 1", new JobPatchRequest { Name = "renamed" }, ct);
        await client.DeleteJobAsync("j 1", ct);
        await client.PauseJobAsync("j 1", ct);
        await client.ResumeJobAsync("j 1", ct);
        var run = await client.TriggerJobAsync("j 1", ct);
        await client.GetRunAsync("r/1", ct);
        await client.ListRunsAsync(jobId: "j 1", state: "dead", cancellationToken: ct);
        await client.ListRunsAsync(state: "dead", limit: 10, cancellationToken: ct);
        var next = await client.CronNextAsync("0 3 * * *", "UTC", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)), 1, ct);

        Assert.Equal(
            [
                "GET /v1/jobs/j%201",
                "GET /v1/jobs?tag=billing%20%26%20ops&state=paused&cursor=c%2B1&limit=50",
                "PATCH /v1/jobs/j%201",
                "DELETE /v1/jobs/j%201",
                "POST /v1/jobs/j%201/pause",
                "POST /v1/jobs/j%201/resume",
                "POST /v1/jobs/j%201/trigger",
                "GET /v1/runs/r%2F1",
                "GET /v1/jobs/j%201/runs?state=dead",
                "GET /v1/runs?state=dead&limit=10",
                "GET /v1/cron/next?expr=0%203%20%2A%20%2A%20%2A&time_zone=UTC&after=2025-01-01T00%3A00%3A00%2B01%3A00&count=1",
            ],
            server.Requests.Select(r => $"{r.Method} {r.RawTarget}"));
        Assert.Equal("""{"name":"renamed"}""", server.Requests.ElementAt(2).Body);
        Assert.Equal("queued", run.State);
        Assert.Equal([new DateTimeOffset(2025, 1, 2, 3, 0, 0, TimeSpan.Zero)], next.Occurrences);
    }

    [Fact]
    public async Task CreateJobAsync_ValidationProblem_ThrowsKronApiExceptionWithFieldErrors()
    {
        await using var server = new FakeKronServer(_ => FakeResponse.Problem(400, ApiJson.ValidationProblem));
        using var client = KronClient.Create(server.Url);

        var e = await Assert.ThrowsAsync<KronApiException>(() => client.CreateJobAsync(EveryNoop, CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadRequest, e.StatusCode);
        Assert.True(e.IsClientError);
        Assert.Equal("Invalid job", e.Title);
        Assert.Equal("the job is invalid; fix the fields listed", e.Detail);
        Assert.Equal(["minute field \"61\": 61 is out of range"], e.Errors["cron"]);
        Assert.Equal(
            "the job is invalid; fix the fields listed (cron: minute field \"61\": 61 is out of range; time_zone: unknown time zone \"Mars/Base\")",
            e.Message);
    }

    [Fact]
    public void Message_DetailThatAlreadyListsSomeFieldErrors_AddsOnlyTheOthersOnce()
    {
        var problem = new ProblemResponse
        {
            Status = 400,
            Detail = "cron: minute field \"61\": 61 is out of range",
            Errors = new Dictionary<string, string[]>
            {
                ["cron"] = ["minute field \"61\": 61 is out of range"],
                ["time_zone"] = ["unknown time zone \"Mars/Base\""],
            },
        };

        var e = new KronApiException(HttpStatusCode.BadRequest, problem);

        Assert.Equal("cron: minute field \"61\": 61 is out of range (time_zone: unknown time zone \"Mars/Base\")", e.Message);
    }

    [Fact]
    public async Task GetJobAsync_HtmlErrorFromAProxy_DescribesTheStatusWithoutTheBody()
    {
        await using var server = new FakeKronServer(_ => new FakeResponse(502, "<html><body>Bad gateway</body></html>", "text/html"));
        using var client = KronClient.Create(server.Url);

        var e = await Assert.ThrowsAsync<KronApiException>(() => client.GetJobAsync("j_1", CancellationToken.None));

        Assert.Equal(HttpStatusCode.BadGateway, e.StatusCode);
        Assert.False(e.IsClientError);
        Assert.Empty(e.Errors);
        Assert.StartsWith("the server answered 502", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("<html>", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetJobAsync_AnswerWithFieldsFromANewerServer_IgnoresThem()
    {
        var newer = ApiJson.CronJob.Replace("\"id\":\"j_1\"", "\"id\":\"j_1\",\"shard\":17,\"links\":{\"self\":\"/v1/jobs/j_1\"}", StringComparison.Ordinal);
        await using var server = new FakeKronServer(_ => FakeResponse.Json(newer));
        using var client = KronClient.Create(server.Url);

        var job = await client.GetJobAsync("j_1", CancellationToken.None);

        Assert.Equal("nightly-report", job.Name);
    }

    [Fact]
    public async Task Create_WithTokenAndBasePath_SendsBearerBelowThePath()
    {
        await using var server = new FakeKronServer(_ => FakeResponse.Json(ApiJson.Page(null)));
        using var client = KronClient.Create(server.Url + "/kron", "s3cret");

        await client.ListJobsAsync(cancellationToken: CancellationToken.None);

        Assert.Equal("GET /kron/v1/jobs", server.SingleRequest.Line);
        Assert.Equal("Bearer s3cret", server.SingleRequest.Headers["Authorization"]);
        Assert.Contains("application/problem+json", server.SingleRequest.Headers["Accept"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListJobsAsync_ConnectionRefused_ThrowsUnreachableWithHowToStartAServer()
    {
        using var client = KronClient.Create("http://127.0.0.1:1");

        var e = await Assert.ThrowsAsync<KronServerUnreachableException>(() => client.ListJobsAsync(cancellationToken: CancellationToken.None));

        Assert.Equal(new Uri("http://127.0.0.1:1/"), e.ServerAddress);
        Assert.Equal(HttpRequestError.ConnectionError, e.HttpRequestError);
        Assert.Contains("the Kron server at http://127.0.0.1:1/ is not reachable", e.Message, StringComparison.Ordinal);
        Assert.Contains("kron serve", e.Message, StringComparison.Ordinal);
        Assert.Contains("KRON_URL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetJobAsync_CancelledToken_IsForwarded()
    {
        await using var server = new FakeKronServer(_ => FakeResponse.Json(ApiJson.CronJob));
        using var client = KronClient.Create(server.Url);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetJobAsync("j_1", cancelled.Token));
    }

    [Theory]
    [InlineData("http://127.0.0.1:7070", true)]
    [InlineData("https://kron.example.com/base/", true)]
    [InlineData("127.0.0.1:7070", false)]
    [InlineData("ftp://example.com", false)]
    [InlineData("http://example.com/?x=1", false)]
    [InlineData("", false)]
    public void TryParseBaseUrl_Text_AcceptsOnlyAbsoluteHttpUrls(string text, bool valid)
    {
        var parsed = KronClient.TryParseBaseUrl(text, out var address, out var error);

        Assert.Equal(valid, parsed);
        Assert.Equal(valid, address is not null);
        Assert.Equal(valid, error is null);
    }

    [Fact]
    public void Constructor_HttpClientWithoutBaseAddress_Throws()
    {
        using var http = new HttpClient();

        var e = Assert.Throws<ArgumentException>(() => new KronClient(http));

        Assert.Contains("BaseAddress", e.Message, StringComparison.Ordinal);
    }
}
