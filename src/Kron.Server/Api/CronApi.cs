using Kron.Core.Cron;
using Kron.Core.Time;
using Kron.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kron.Server.Api;

/// <summary><c>GET /v1/cron/next</c>: preview the next occurrences of an expression, as <c>kron cron next</c>.</summary>
internal static class CronApi
{
    public const int MaxCount = 1000;

    public static IEndpointRouteBuilder MapCronApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/v1/cron/next", Next).WithTags("Cron");
        return routes;
    }

    private static Results<Ok<CronNextResponse>, ProblemHttpResult> Next(
        string? expr, string? time_zone, string? after, int? count, string? seed, TimeProvider time)
    {
        if (string.IsNullOrWhiteSpace(expr))
        {
            return ApiProblems.BadRequest("expr is required, such as expr=*/15 * * * * (URL-encoded)");
        }

        if (!CronExpression.TryParse(expr, seed, out var expression, out var cronError))
        {
            return ApiProblems.BadRequest(cronError.Message);
        }

        var zoneName = string.IsNullOrEmpty(time_zone) ? "UTC" : time_zone;
        if (!TimeZones.TryFind(zoneName, out var zone, out var zoneError))
        {
            return ApiProblems.BadRequest(zoneError);
        }

        var start = time.GetUtcNow();
        if (after is not null && !Rfc3339.TryParse(after, out start, out var afterError))
        {
            return ApiProblems.BadRequest($"after: {afterError}");
        }

        var wanted = count ?? 5;
        if (wanted is < 1 or > MaxCount)
        {
            return ApiProblems.BadRequest($"count must be 1-{MaxCount}, not {wanted}");
        }

        var occurrences = new List<DateTimeOffset>(wanted);
        for (var next = expression.GetNextOccurrence(start, zone); next is { } n && occurrences.Count < wanted; next = expression.GetNextOccurrence(n, zone))
        {
            occurrences.Add(n);
        }

        return TypedResults.Ok(new CronNextResponse(expression.Text, zoneName, occurrences));
    }
}
