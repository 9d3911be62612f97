using System.Net.Http.Headers;
using System.Net.Http.Json;
using Kron.Engine;
using Kron.Engine.Cluster;
using Kron.Engine.Observability;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Kron.Server.Api;

/// <summary>
/// <c>GET /v1/stats</c>: runs started, finished and failed and the fire lag, per second for the last five minutes (the
/// dashboard's live chart). Embedded, or with <c>scope=node</c>: this node's series. In a cluster: every live node's,
/// fetched from each node in parallel (one second each at most) and merged, so that any node's dashboard shows the
/// whole cluster.
/// </summary>
internal static class StatsApi
{
    public const string PeerClient = "kron-peers";

    private static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(1);

    public static IEndpointRouteBuilder MapStatsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/stats", GetAsync).WithTags("Operations")
            .WithSummary("Runs started, finished and failed, and fire lag, per second for the last 5 minutes: the cluster's, or with scope=node this node's.");
        return routes;
    }

    private static async Task<Results<Ok<StatsResponse>, ProblemHttpResult>> GetAsync(
        string? scope,
        HttpRequest request,
        KronMetrics metrics,
        IStorageDriver storage,
        ShardOwnership ownership,
        IHttpClientFactory clients,
        IOptions<NodeOptions> node,
        IOptions<ShardLeaserOptions> leases,
        CancellationToken cancellationToken)
    {
        if (scope is not (null or "" or "node" or "cluster"))
        {
            return ApiProblems.BadRequest($"scope must be node or cluster, not \"{scope}\"");
        }

        var self = node.Value.NodeId;
        var own = new StatsResponse(self, TimeSpan.FromSeconds(1), [.. metrics.Live.Read().Select(ToPoint)]) { Nodes = [self] };
        if (ownership.IsExclusive || scope == "node")
        {
            return TypedResults.Ok(own);
        }

        var view = await storage.GetClusterAsync(new GetClusterParams(), cancellationToken);
        // A peer that advertises this node's own address would be counted twice: it is listed as not answering instead.
        var live = view.Nodes.Where(n => n.Id != self && n.HeartbeatAt > view.Now - leases.Value.LeaseTtl).ToList();
        var peers = live.Where(n => !string.Equals(n.Address, node.Value.Address, StringComparison.OrdinalIgnoreCase)).ToList();
        var ambiguous = live.Except(peers).Select(n => n.Id).ToList();
        var http = clients.CreateClient(PeerClient);
        var answers = await Task.WhenAll(peers.Select(p => FetchAsync(http, p, request.Headers.Authorization.ToString(), cancellationToken)));
        var merged = Merge(own.Points, answers.Where(a => a.Stats is not null).Select(a => a.Stats!.Points));
        return TypedResults.Ok(own with
        {
            Points = merged,
            Nodes = [self, .. answers.Where(a => a.Stats is not null).Select(a => a.Node)],
            Unreachable = [.. answers.Where(a => a.Stats is null).Select(a => a.Node), .. ambiguous],
        });
    }

    private static StatsPoint ToPoint(LivePoint p) => new(p.At, p.Started, p.Finished, p.Failed, p.LagP50, p.LagP99, p.LagMax);

    private static async Task<(string Node, StatsResponse? Stats)> FetchAsync(HttpClient http, NodeRecord peer, string authorization, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(PeerTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(peer.Address), "/v1/stats?scope=node"));
            if (!string.IsNullOrEmpty(authorization))
            {
                request.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
            }

            using var response = await http.SendAsync(request, timeout.Token);
            return response.IsSuccessStatusCode
                ? (peer.Id, await response.Content.ReadFromJsonAsync(ProtocolJsonContext.Default.StatsResponse, timeout.Token))
                : (peer.Id, null);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException or UriFormatException or FormatException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return (peer.Id, null);
        }
    }

    /// <summary>The serving node's seconds, with every peer's point for the same second added in.</summary>
    private static List<StatsPoint> Merge(IReadOnlyList<StatsPoint> own, IEnumerable<IReadOnlyList<StatsPoint>> peers)
    {
        var bySecond = peers.SelectMany(p => p).ToLookup(p => p.At.ToUnixTimeSeconds());
        return [.. own.Select(point =>
        {
            var all = bySecond[point.At.ToUnixTimeSeconds()].Prepend(point).ToList();
            var started = all.Sum(p => p.Started);
            var withLag = all.Where(p => p.Started > 0 && p.LagP50Seconds is not null).ToList();
            return new StatsPoint(
                point.At,
                started,
                all.Sum(p => p.Finished),
                all.Sum(p => p.Failed),
                withLag.Count == 0 ? null : withLag.Sum(p => p.LagP50Seconds!.Value * p.Started) / withLag.Sum(p => p.Started),
                withLag.Count == 0 ? null : withLag.Max(p => p.LagP99Seconds),
                withLag.Count == 0 ? null : withLag.Max(p => p.LagMaxSeconds));
        })];
    }
}
