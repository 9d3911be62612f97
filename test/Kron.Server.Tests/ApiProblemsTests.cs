using System.Net;

namespace Kron.Server.Tests;

/// <summary>Every error answer is an RFC 9457 problem (<c>application/problem+json</c>) whose detail says what was wrong.</summary>
public sealed class ApiProblemsTests
{
    [Theory]
    [InlineData("GET", "/v1/jobs/nope", null, HttpStatusCode.NotFound)]
    [InlineData("PATCH", "/v1/jobs/nope", """{"name": "x"}""", HttpStatusCode.NotFound)]
    [InlineData("DELETE", "/v1/jobs/nope", null, HttpStatusCode.NotFound)]
    [InlineData("POST", "/v1/jobs/nope/pause", null, HttpStatusCode.NotFound)]
    [InlineData("POST", "/v1/jobs/nope/trigger", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/v1/jobs/nope/runs", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/v1/runs/nope", null, HttpStatusCode.NotFound)]
    [InlineData("GET", "/v1/no-such-resource", null, HttpStatusCode.NotFound)]
    [InlineData("PUT", "/v1/jobs", """{}""", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/v1/jobs?limit=many", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/v1/runs?limit=1.5", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/v1/cron/next?expr=0+3+*+*+*&count=lots", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/v1/jobs?limit=1000", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/v1/runs?state=bogus", null, HttpStatusCode.BadRequest)]
    [InlineData("GET", "/v1/cron/next?expr=bad", null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/v1/jobs", null, HttpStatusCode.BadRequest)]
    [InlineData("POST", "/v1/jobs", "{", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/v1/jobs", "{}", HttpStatusCode.BadRequest)]
    [InlineData("POST", "/v1/jobs", """{"every": "PT1H", "target": {"type": "noop"}, "extra": 1}""", HttpStatusCode.BadRequest)]
    public async Task Request_Failing_AnswersProblemJsonWithDetail(string method, string path, string? body, HttpStatusCode status)
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.SendAsync(new HttpMethod(method), path, body);

        var problem = response.Problem(status);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["title"]), response.Body);
    }

    [Fact]
    public async Task Create_ValidationProblem_HasDetailSummingUpTheErrors()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.SendAsync(HttpMethod.Post, "/v1/jobs", """{"target": {"type": "noop"}, "retries": -1}""");

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.Contains("schedule:", detail, StringComparison.Ordinal);
        Assert.Contains("retries:", detail, StringComparison.Ordinal);
    }
}
