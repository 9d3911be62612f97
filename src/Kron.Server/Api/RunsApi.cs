using Kron.Core.Model;
using Kron.Engine;
using Kron.Engine.Dispatch;
using Kron.Engine.Observability;
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
    public const int MaxRedrive = 10_000;

    private static readonly RunState[] Redrivable = [RunState.Dead, RunState.Failed, RunState.Lost, RunState.Cancelled];

    public static IEndpointRouteBuilder MapRunsApi(this IEndpointRouteBuilder routes)
    {
        var runs = routes.MapGroup("/v1/runs").WithTags("Runs");
        runs.MapGet("/", (IStorageDriver storage, string? state, string? job_id, string? queue, string? cursor, int? limit, CancellationToken ct) =>
            ListAsync(storage, job_id, state, cursor, limit, ct, queue));
        runs.MapGet("/counts", CountAsync).WithSummary("Runs queued, running and dead now (exact counts, cheaper than paging through lists).");
        runs.MapGet("/{id}", GetAsync);
        runs.MapPost("/{id}/retry", RetryAsync);
        runs.MapPost("/{id}/cancel", CancelAsync);
        runs.MapPost("/retry", RedriveAsync).Accepts<RedriveRequest>("application/json").Produces<RedriveResponse>();
        return routes;
    }

    internal static async Task<Results<Ok<Page<RunResponse>>, ProblemHttpResult>> ListAsync(
        IStorageDriver storage, string? jobId, string? state, string? cursor, int? limit, CancellationToken cancellationToken, string? queue = null)
    {
        if (queue is not null && jobId is not null)
        {
            return ApiProblems.BadRequest("filter by job_id or by queue, not both (a job's runs are all in one queue)");
        }

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

        var page = await storage.ListRunsAsync(new ListRunsParams(pageSize, cursor, jobId, filter) { Queue = queue }, cancellationToken);
        return TypedResults.Ok(new Page<RunResponse>([.. page.Items.Select(r => r.ToResponse())], page.NextCursor));
    }

    /// <summary>Redrives one dead, failed, lost or cancelled run: queued now, with a fresh set of attempts.</summary>
    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> RetryAsync(
        string id, IStorageDriver storage, EngineSignals signals, RunEvents events, CancellationToken cancellationToken)
    {
        var run = await storage.GetRunAsync(new GetRunParams(id), cancellationToken);
        if (run is null)
        {
            return ApiProblems.NotFound("run", id);
        }

        if (!Redrivable.Contains(run.State))
        {
            return ApiProblems.Conflict($"run {id} is {WireNames.Of(run.State)}; only dead, failed, lost or cancelled runs can be retried");
        }

        var result = await storage.RedriveRunsAsync(new RedriveRunsParams(Redrivable, 1, RunId: id), cancellationToken);
        if (result.RunIds.Count == 0)
        {
            return ApiProblems.Conflict($"run {id} changed state meanwhile; look at it again");
        }

        events.Redriven(result.RunIds);
        signals.WakeDispatcher();
        return TypedResults.Ok((await storage.GetRunAsync(new GetRunParams(id), cancellationToken))!.ToResponse());
    }

    /// <summary>Bulk redrive by job, tag and slot range.</summary>
    private static async Task<IResult> RedriveAsync(HttpRequest request, IStorageDriver storage, EngineSignals signals, RunEvents events, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<RedriveRequest>(request, 64 * 1024, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.JobId is null && body.Tag is null && body.From is null && body.To is null)
        {
            return ApiProblems.BadRequest("give at least one of job_id, tag, from or to, so that a bulk retry never redrives more than you meant");
        }

        var states = new List<RunState>();
        foreach (var name in body.States ?? ["dead"])
        {
            if (!WireNames.TryParse<RunState>(name, out var state) || !Redrivable.Contains(state))
            {
                return ApiProblems.BadRequest($"states may hold dead, failed, lost and cancelled, not \"{name}\"");
            }

            states.Add(state);
        }

        var limit = body.Limit ?? MaxRedrive;
        if (limit is < 1 or > MaxRedrive)
        {
            return ApiProblems.BadRequest($"limit must be 1-{MaxRedrive}, not {limit}");
        }

        var result = await storage.RedriveRunsAsync(new RedriveRunsParams(states, limit, JobId: body.JobId, Tag: body.Tag, From: body.From, To: body.To), cancellationToken);
        if (result.RunIds.Count > 0)
        {
            events.Redriven(result.RunIds);
            signals.WakeDispatcher();
        }

        return TypedResults.Ok(new RedriveResponse(result.RunIds.Count, result.RunIds));
    }

    /// <summary>Cancels a queued run at once, or stops a running one (200 when cancelled, 202 when stopping).</summary>
    private static async Task<Results<Ok<RunResponse>, Accepted<RunResponse>, ProblemHttpResult>> CancelAsync(
        string id, IStorageDriver storage, RunDispatcher dispatcher, RunEvents events, CancellationToken cancellationToken)
    {
        var result = await storage.CancelRunAsync(new CancelRunParams(id, "cancelled through the API"), cancellationToken);
        switch (result.Outcome)
        {
            case CancelRunOutcome.NotFound:
                return ApiProblems.NotFound("run", id);
            case CancelRunOutcome.AlreadyFinished:
                return ApiProblems.Conflict($"run {id} already finished ({WireNames.Of(result.Run!.State)}); nothing to cancel");
            case CancelRunOutcome.Requested:
                await dispatcher.CancelInFlightAsync(id);
                return TypedResults.Accepted($"/v1/runs/{id}", result.Run!.ToResponse());
            default:
                events.CancelledWhileQueued(result.Run!, "cancelled through the API");
                return TypedResults.Ok(result.Run!.ToResponse());
        }
    }

    private static async Task<Ok<RunCountsResponse>> CountAsync(IStorageDriver storage, CancellationToken cancellationToken)
    {
        var counts = await storage.CountRunsAsync(new CountRunsParams(), cancellationToken);
        return TypedResults.Ok(new RunCountsResponse(counts.Queued, counts.Running, counts.Dead));
    }

    private static async Task<Results<Ok<RunResponse>, ProblemHttpResult>> GetAsync(string id, IStorageDriver storage, CancellationToken cancellationToken)
    {
        var run = await storage.GetRunAsync(new GetRunParams(id), cancellationToken);
        return run is null ? ApiProblems.NotFound("run", id) : TypedResults.Ok(run.ToResponse());
    }
}
