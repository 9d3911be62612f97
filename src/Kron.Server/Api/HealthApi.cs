using Kron.Engine;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace Kron.Server.Api;

/// <summary><c>/healthz</c> (the process answers) and <c>/readyz</c> (the database answers and its schema is current).</summary>
internal static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", (IOptions<NodeOptions> node) => TypedResults.Ok(new HealthResponse("ok", node.Value.NodeId, null))).WithTags("Health");
        routes.MapGet("/readyz", ReadyAsync).WithTags("Health");
        return routes;
    }

    private static async Task<Results<Ok<HealthResponse>, JsonHttpResult<HealthResponse>>> ReadyAsync(
        IStorageDriver storage, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        string database;
        bool ready;
        try
        {
            var status = await storage.GetStatusAsync(cancellationToken);
            ready = status.IsCurrent;
            database = ready ? $"ok (schema {status.SchemaVersion})" : $"schema {status.SchemaVersion}, expected {status.LatestVersion}";
        }
#pragma warning disable CA1031 // Any failure to reach the database means not ready; the reason is reported.
        catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
        {
            ready = false;
            database = $"unreachable: {e.Message}";
        }

        var response = new HealthResponse(ready ? "ready" : "not ready", node.Value.NodeId, new Dictionary<string, string> { ["database"] = database });
        return ready ? TypedResults.Ok(response) : TypedResults.Json(response, statusCode: StatusCodes.Status503ServiceUnavailable);
    }
}
