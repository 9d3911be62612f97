using Kron.Testing;
using static Microsoft.Playwright.Assertions;

namespace Kron.Dashboard.Tests;

/// <summary>
/// The dashboard of a two-node cluster on a real PostgreSQL: the cluster page shows both nodes and a shard map split
/// between them, and the live chart counts both nodes whichever one serves the page.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardClusterTests(ChromiumFixture chromium, TwoNodeCluster cluster) : IClassFixture<TwoNodeCluster>
{
    [Fact]
    public async Task Cluster_TwoNodesOnPostgres_ShardMapSplitBetweenThemAndTheChartCountsBoth()
    {
        var view = await Eventually.GetAsync(
            async () =>
            {
                var c = await cluster.A.GetAsync("v1/cluster");
                var nodes = c["nodes"]!.AsArray();
                return nodes.Count == 2 && nodes.All(n => (int)n!["shards"]! > 0) && nodes.Sum(n => (int)n!["shards"]!) == (int)c["shards"]!.AsArray().Count ? c : null;
            },
            TimeSpan.FromSeconds(30),
            "both nodes to hold shards");
        var shards = view["shards"]!.AsArray().Count;
        await using var session = await DashboardSession.OpenAsync(chromium, cluster.A);

        await session.GoToAsync("#/cluster");

        await Expect(session.Page.Locator("tr[data-node='dash-a']")).ToContainTextAsync("Alive");
        await Expect(session.Page.Locator("tr[data-node='dash-b']")).ToContainTextAsync("Alive");
        await Expect(session.Page.Locator(".shard-grid .shard")).ToHaveCountAsync(shards);
        var first = await session.Page.Locator(".shard-grid .shard.owner-0").CountAsync();
        var second = await session.Page.Locator(".shard-grid .shard.owner-1").CountAsync();
        Assert.True(first > 0 && second > 0 && first + second == shards, $"the shard map shows {first} and {second} of {shards} shards");
        await session.ScreenshotAsync("cluster-two-nodes");

        await session.GoToAsync("");
        await Expect(session.Page.Locator("#main")).ToContainTextAsync("2 nodes, last 5 minutes");
        await session.ScreenshotAsync("overview-cluster");
        session.AssertNoBrowserErrors();
    }
}

/// <summary>Two nodes on one fresh database of the shared test PostgreSQL server.</summary>
public sealed class TwoNodeCluster : IAsyncLifetime
{
    public ClusterMember A { get; private set; } = null!;

    public ClusterMember B { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var server = await PostgresServer.SharedAsync();
        var store = server.ConnectionStringFor(await server.CreateDatabaseAsync());
        A = new ClusterMember("dash-a", store);
        await A.InitializeAsync();
        B = new ClusterMember("dash-b", store);
        await B.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await B.DisposeAsync();
        await A.DisposeAsync();
    }
}

/// <summary>A cluster node of <see cref="TwoNodeCluster"/>.</summary>
public sealed class ClusterMember(string id, string store) : DashboardNode
{
    public override string Identity => id;

    public override string? Store => store;
}
