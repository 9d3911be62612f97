using Kron.Core.Model;
using Kron.Protocol;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kron.Server.Api;

/// <summary><c>/v1/runs</c>: read runs and list them by state (the dead-letter list is <c>?state=dead</c>).</summary>
internal static class RunsApi
{
    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var runs = routes.MapGroup("/v1/runs").WithTags("Runs");
        runs.MapGet("/", (IStorageDriver storage, string? state, string? job_id, string? cursor, int? limit, CancellationToken ct) =>
            ListAsync(storage, job_id, state, cursor, limit, ct));
        runs.MapGet("/{id}", GetAsync);
        return routes;
    }

    internal static async Task<Results<Ok<Page<RunResponse>>, ProblemHttpResult>> ListAsync(
        IStorageDriver storage, string? jobId, string? state, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (!ApiProblems.TryPageSize(limit, out var pageSize, out var problem))
        {
            return problem!;
        }

        RunState? filter = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (!WireNames.TryParse<RunState>(state, out var parsed))
            {
                return ApiProblems.BadRequest($"state must be one of {WireNames.List<RunState>()}, not \"{state}\"");
            }

            filter = parsed;
        }

        var page = await storage.ListRunsAsync(new ListRunsParams(pageSize, cursor, jobId, filter), cancellationToken);
        return TypedResults.Ok(new Page<RunResponse>([.. page.Items.Select(r => r.ToResponse())], page.NextCursor));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> GetAsync(string id, IStorageDriver storage, CancellationToken cancellationToken)
    {
        var run = await storage.GetRunAsync(new GetRunParams(id), cancellationToken);
        return run is null ? ApiProblems.NotFound("run", id) : TypedResults.Ok(run.ToResponse());
    }
}
