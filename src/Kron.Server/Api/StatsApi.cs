using Kron.Engine;
using Kron.Engine.Observability;
using Kron.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Kron.Server.Api;

/// <summary><c>GET /v1/stats</c>: this node's last five minutes, second by second (the dashboard's live chart).</summary>
internal static class StatsApi
{
    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/stats", Get).WithTags("Operations").WithSummary("This node's runs started, finished and failed, and fire lag, per second for the last 5 minutes.");
        return routes;
    }

    private static Ok<StatsResponse> Get(KronMetrics metrics, IOptions<NodeOptions> node) =>
        TypedResults.Ok(new StatsResponse(
            node.Value.NodeId,
            TimeSpan.FromSeconds(1),
            [.. metrics.Live.Read().Select(p => new StatsPoint(p.At, p.Started, p.Finished, p.Failed, p.LagP50, p.LagP99, p.LagMax))]));
}
