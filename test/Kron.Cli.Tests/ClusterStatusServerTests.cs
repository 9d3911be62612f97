namespace Kron.Cli.Tests;

/// <summary>
/// <c>kron cluster status</c> against a real embedded <c>kron serve</c>: one node holding every shard. (Nodes on
/// PostgreSQL, with shards moving between them, are in Kron.EndToEnd.Tests' ClusterTests.)
/// </summary>
public sealed class ClusterStatusServerTests(KronServerFixture server) : IClassFixture<KronServerFixture>
{
    [Fact]
    public async Task Status_EmbeddedNode_ShowsTheNodeHoldingEveryShard()
    {
        var table = await server.KronAsync("cluster", "status");
        var json = await server.KronJsonAsync("cluster", "status");

        Assert.Equal(0, table.ExitCode);
        Assert.StartsWith("Mode: embedded; database time ", table.Lines[0], StringComparison.Ordinal);
        Assert.EndsWith("256 shards, 256 held, 0 unowned", table.Lines[0], StringComparison.Ordinal);
        var nodes = CliTable.Parse(table.Lines[1..3], ["NODE", "STATE", "SHARDS", "HEARTBEAT", "ADDRESS", "STARTED", "VERSION"]);
        Assert.Equal(("cli-tests", "alive", "256"), (nodes[0]["NODE"], nodes[0]["STATE"], nodes[0]["SHARDS"]));
        var map = CliTable.Parse(table.Lines[3..], ["SHARDS", "OWNER", "EPOCHS"]);
        Assert.Equal(("0-255", "cli-tests", "0"), (map[0]["SHARDS"], map[0]["OWNER"], map[0]["EPOCHS"]));
        Assert.Equal("embedded", (string?)json["mode"]);
        Assert.Equal(256, json["shards"]!.AsArray().Count);
        var node = Assert.Single(json["nodes"]!.AsArray())!;
        Assert.Equal(("cli-tests", true, 256), ((string?)node["id"], (bool?)node["alive"], (int?)node["shards"]));
        Assert.Equal(server.Url.TrimEnd('/'), ((string?)node["address"])?.TrimEnd('/'));
    }
}
