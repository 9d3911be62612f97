using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Server.Tests;

/// <summary>The http executor against a real listener on loopback, through the API and the engine.</summary>
public sealed class HttpRunExecutorTests
{
    [Fact]
    public async Task Execute_HttpTarget_PostsThePayloadWithTheRunIdAsIdempotencyKey()
    {
        using var hook = new RecordingHttpServer();
        await using var node = await TestNode.StartAsync();
        var payload = new JsonObject { ["user_id"] = 123, ["items"] = new JsonArray("a", "b"), ["note"] = "größer" };
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new()
        {
            ["target"] = new JsonObject { ["type"] = "http", ["url"] = hook.Url.ToString(), ["headers"] = new JsonObject { ["X-Team"] = "billing" } },
            ["payload"] = payload,
        }));

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal(200, (int?)run["outcome"]?["http_status"]);
        var request = Assert.Single(hook.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(hook.Url.AbsolutePath, request.Path);
        Assert.True(JsonNode.DeepEquals(payload, JsonNode.Parse(request.Body)), $"body was {request.Body}");
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        Assert.Equal((string?)run["id"], request.Header("Idempotency-Key"));
        Assert.Equal((string?)run["id"], request.Header("Kron-Run-Id"));
        Assert.Equal((string?)job["id"], request.Header("Kron-Job-Id"));
        Assert.Equal("1", request.Header("Kron-Attempt"));
        Assert.Equal("billing", request.Header("X-Team"));
    }

    [Fact]
    public async Task Execute_NothingListening_EndsDeadWithTheConnectionError()
    {
        await using var node = await TestNode.StartAsync();
        var url = $"http://127.0.0.1:{RecordingHttpServer.FreePort()}/hook";
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new()
        {
            ["target"] = new JsonObject { ["type"] = "http", ["url"] = url },
            ["retries"] = 0,
        }));

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.Equal("dead", (string?)run["state"]);
        Assert.Contains(url, (string?)run["outcome"]?["error"], StringComparison.Ordinal);
        Assert.Null(run["outcome"]?["http_status"]);
    }
}
