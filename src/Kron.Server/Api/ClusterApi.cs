using Kron.Engine;
using Kron.Engine.Cluster;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Kron.Server.Api;

/// <summary><c>GET /v1/cluster</c>: the nodes with their heartbeats and the shard map with owners and epochs.</summary>
internal static class ClusterApi
{
    public static IEndpointRouteBuilder MapClusterApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/cluster", GetAsync).WithTags("Cluster").WithSummary("The nodes and the shard map.");
        return routes;
    }

    private static async Task<Ok<ClusterResponse>> GetAsync(
        IStorageDriver storage,
        ShardOwnership ownership,
        TimeProvider time,
        IOptions<NodeOptions> node,
        IOptions<ShardLeaserOptions> leases,
        CancellationToken cancellationToken)
    {
        if (ownership.IsExclusive)
        {
            // Embedded: the file lock makes this node the only one; it holds every shard without a lease.
            var now = time.GetUtcNow();
            var self = new ClusterNode(node.Value.NodeId, node.Value.Address, NodeVersion.Current, NodeVersion.StartedAt, now, true, Shards.Count);
            var shards = Enumerable.Range(0, Shards.Count).Select(s => new ClusterShard(s, node.Value.NodeId, 0, null)).ToList();
            return TypedResults.Ok(new ClusterResponse("embedded", now, [self], shards));
        }

        var view = await storage.GetClusterAsync(new GetClusterParams(), cancellationToken);
        var held = view.Shards
            .Where(s => s.Owner is not null && s.ExpiresAt > view.Now)
            .GroupBy(s => s.Owner!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var nodes = view.Nodes
            .Select(n => new ClusterNode(
                n.Id, n.Address, n.Version, n.StartedAt, n.HeartbeatAt, n.HeartbeatAt > view.Now - leases.Value.LeaseTtl, held.GetValueOrDefault(n.Id)))
            .ToList();
        var map = view.Shards
            .Select(s => s.Owner is not null && s.ExpiresAt > view.Now
                ? new ClusterShard(s.Shard, s.Owner, s.Epoch, s.ExpiresAt)
                : new ClusterShard(s.Shard, null, s.Epoch, null))
            .ToList();
        return TypedResults.Ok(new ClusterResponse("cluster", view.Now, nodes, map));
    }
}
