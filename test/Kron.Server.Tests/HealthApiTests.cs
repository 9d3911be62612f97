using System.Net;
using System.Text.Json;

namespace Kron.Server.Tests;

/// <summary><c>/healthz</c>, <c>/readyz</c> and the OpenAPI document.</summary>
public sealed class HealthApiTests
{
    [Fact]
    public async Task Healthz_RunningNode_Returns200WithTheNodeId()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/healthz");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("ok", (string?)response.Object["status"]);
        Assert.Equal("test", (string?)response.Object["node"]);
    }

    [Fact]
    public async Task Readyz_MigratedDatabase_Returns200Ready()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("ready", (string?)response.Object["status"]);
        Assert.StartsWith("ok", (string?)response.Object["checks"]?["database"], StringComparison.Ordinal);
        Assert.StartsWith("ok (schema ", (string?)response.Object["checks"]?["migrations"], StringComparison.Ordinal);
        Assert.Equal("ok (all 256, embedded)", (string?)response.Object["checks"]?["shards"]);
        Assert.True(File.Exists(Path.Combine(node.DataDirectory, "kron.db")));
    }

    [Fact]
    public async Task OpenApi_Document_IsJsonDescribingTheJobsApi()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/openapi/v1.json");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        using var document = JsonDocument.Parse(response.Body);
        var paths = document.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/jobs", out var jobs));
        Assert.True(jobs.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/v1/jobs/{id}", out _));
        Assert.True(paths.TryGetProperty("/v1/runs/{id}", out _));
        Assert.True(paths.TryGetProperty("/v1/cron/next", out _));
    }

    [Fact]
    public async Task Cluster_EmbeddedNode_StartedBeforeNowAndHoldsEveryShard()
    {
        await using var node = await TestNode.StartAsync();

        var cluster = (await node.GetAsync("/v1/cluster")).Object;

        var self = cluster["nodes"]!.AsArray().Single()!;
        Assert.Equal("embedded", (string?)cluster["mode"]);
        Assert.True(self["started_at"].Instant() < cluster["now"].Instant(), $"started_at {self["started_at"]} is not before now {cluster["now"]}");
        Assert.Equal(256, (int)self["shards"]!);
    }

    [Theory]
    [InlineData("http://127.0.0.1:7070", null, "http://127.0.0.1:7070")]
    [InlineData("http://node-3.internal:7070", null, "http://node-3.internal:7070")]
    [InlineData("http://0.0.0.0:7070", "http://kron-1.example:7070/", "http://kron-1.example:7070")]
    public void AdvertisedAddress_RoutableOrConfigured_IsUsedAsItIs(string bound, string? advertise, string expected) =>
        Assert.Equal(expected, Kron.Server.Hosting.KronNode.AdvertisedAddress(bound, advertise));

    [Theory]
    [InlineData("http://0.0.0.0:7070")]
    [InlineData("http://[::]:7070")]
    [InlineData("http://+:7070")]
    public void AdvertisedAddress_WildcardHost_BecomesTheHostName(string bound) =>
        Assert.Equal($"http://{System.Net.Dns.GetHostName().ToLowerInvariant()}:7070", Kron.Server.Hosting.KronNode.AdvertisedAddress(bound, null));
}
