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

/// <summary>
/// <c>/healthz</c> (the process answers) and <c>/readyz</c>: the database answers, its schema is the one this build
/// migrates to, and the node holds shards or can acquire them (embedded: all of them; cluster: its heartbeat reached
/// the shard table within the lease TTL). 503 with the failing check's reason otherwise.
/// </summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", (IOptions<NodeOptions> node) => TypedResults.Ok(new HealthResponse("ok", node.Value.NodeId, null))).WithTags("Health");
        routes.MapGet("/readyz", ReadyAsync).WithTags("Health");
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(
        IStorageDriver storage, ShardOwnership ownership, ShardLeaser leaser, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var checks = new Dictionary<string, string>(StringComparer.Ordinal);
        var ready = true;
        try
        {
            var status = await storage.GetStatusAsync(cancellationToken);
            checks["database"] = "ok";
            checks["migrations"] = status.IsCurrent
                ? $"ok (schema {status.SchemaVersion})"
                : $"schema {status.SchemaVersion}, this build expects {status.LatestVersion}";
            ready = status.IsCurrent;
        }
#pragma warning disable CA1031 // Any failure to reach the database means not ready; the reason is reported.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            ready = false;
            checks["database"] = $"unreachable: {e.Message}";
        }

        var (shardsReady, shards) = Shards(ownership, leaser, node.Value.NodeId);
        checks["shards"] = shards;
        ready &= shardsReady;
        var response = new HealthResponse(ready ? "ready" : "not ready", node.Value.NodeId, checks);
        return ready ? TypedResults.Ok(response) : TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static (bool Ready, string Detail) Shards(ShardOwnership ownership, ShardLeaser leaser, string nodeId)
    {
        if (ownership.IsExclusive)
        {
            return (true, $"ok (all {Kron.Storage.Shards.Count}, embedded)");
        }

        var held = ownership.CurrentFence(nodeId)?.Shards.Count ?? 0;
        return leaser.SinceLastHeartbeat switch
        {
            null => (false, $"{held} held; no heartbeat has reached the database yet"),
            { } since when since > leaser.LeaseTtl => (false, $"{held} held; the last heartbeat reached the database {since.TotalSeconds:0.0} s ago (lease TTL {leaser.LeaseTtl.TotalSeconds:0.#} s)"),
            _ when held == 0 => (true, "0 held; acquirable: the next rebalance gives this node its share"),
            _ => (true, $"ok ({held} held)"),
        };
    }
}
