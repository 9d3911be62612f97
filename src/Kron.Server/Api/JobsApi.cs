using System.Text;
using Kron.Protocol;
using Kron.Server.Jobs;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Kron.Server.Api;

/// <summary><c>/v1/jobs</c>: register, list, read, change, delete, pause, resume and trigger jobs.</summary>
internal static class JobsApi
{
    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/v1/jobs").WithTags("Jobs");
        jobs.MapPost("/", CreateAsync).Accepts<JobCreateRequest>("application/json")
            .Produces<JobResponse>(StatusCodes.Status201Created).Produces<JobResponse>().ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        jobs.MapGet("/", ListAsync);
        jobs.MapGet("/{id}", GetAsync);
        jobs.MapPatch("/{id}", PatchAsync).Accepts<JobPatchRequest>("application/json").Produces<JobResponse>().ProducesValidationProblem();
        jobs.MapDelete("/{id}", DeleteAsync);
        jobs.MapPost("/{id}/pause", (string id, JobService s, CancellationToken ct) => SetPausedAsync(id, true, s, ct));
        jobs.MapPost("/{id}/resume", (string id, JobService s, CancellationToken ct) => SetPausedAsync(id, false, s, ct));
        jobs.MapPost("/{id}/trigger", TriggerAsync);
        jobs.MapGet("/{id}/runs", ListRunsAsync);
        return routes;
    }

    private static async Task<IResult> CreateAsync(HttpRequest request, JobService service, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<JobCreateRequest>(request, JobsLimits.MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (PayloadTooLarge(body!.Payload) is { } tooLarge)
        {
            return tooLarge;
        }

        var result = await service.CreateAsync(body, cancellationToken);
        return result switch
        {
            { Errors: { } errors } => ApiProblems.Invalid(errors),
            { Conflict: true } => ApiProblems.Conflict($"key \"{body.Key}\" is already used by job {result.Job!.Id} with a different definition; use another key, or PATCH /v1/jobs/{result.Job.Id}"),
            { Created: true } => TypedResults.Created($"/v1/jobs/{result.Job!.Id}", result.Job.ToResponse()),
            _ => TypedResults.Ok(result.Job!.ToResponse()),
        };
    }

    private static async Task<Results<Ok<Page<JobResponse>>, ProblemHttpResult>> ListAsync(
        IStorageDriver storage, string? tag, string? state, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (!ApiProblems.TryPageSize(limit, out var pageSize, out var problem))
        {
            return problem!;
        }

        bool? paused = state switch
        {
            null or "" => null,
            "active" => false,
            "paused" => true,
            _ => null,
        };
        if (state is not (null or "" or "active" or "paused"))
        {
            return ApiProblems.BadRequest($"state must be active or paused, not \"{state}\"");
        }

        var page = await storage.ListJobsAsync(new ListJobsParams(pageSize, cursor, tag, paused), cancellationToken);
        return TypedResults.Ok(new Page<JobResponse>([.. page.Items.Select(j => j.ToResponse())], page.NextCursor));
    }

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetAsync(string id, IStorageDriver storage, CancellationToken cancellationToken)
    {
        var job = await storage.GetJobAsync(new GetJobParams(id), cancellationToken);
        return job is null ? ApiProblems.NotFound("job", id) : TypedResults.Ok(job.ToResponse());
    }

    private static async Task<IResult> PatchAsync(string id, HttpRequest request, JobService service, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<JobPatchRequest>(request, JobsLimits.MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (PayloadTooLarge(body!.Payload) is { } tooLarge)
        {
            return tooLarge;
        }

        var result = await service.PatchAsync(id, body, cancellationToken);
        return result switch
        {
            { NotFound: true } => ApiProblems.NotFound("job", id),
            { Errors: { } errors } => ApiProblems.Invalid(errors),
            _ => TypedResults.Ok(result.Job!.ToResponse()),
        };
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(string id, JobService service, CancellationToken cancellationToken) =>
        await service.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : ApiProblems.NotFound("job", id);

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> SetPausedAsync(string id, bool paused, JobService service, CancellationToken cancellationToken)
    {
        var job = await service.SetPausedAsync(id, paused, cancellationToken);
        return job is null ? ApiProblems.NotFound("job", id) : TypedResults.Ok(job.ToResponse());
    }

    private static async Task<Results<Accepted<RunResponse>, ProblemHttpResult>> TriggerAsync(string id, bool? force, JobService service, CancellationToken cancellationToken)
    {
        var outcome = await service.TriggerAsync(id, force ?? false, cancellationToken);
        return outcome switch
        {
            { Run: { } run } => TypedResults.Accepted($"/v1/runs/{run.Id}", run.ToResponse()),
            { Refused: { } why } => ApiProblems.Conflict(why),
            _ => ApiProblems.NotFound("job", id),
        };
    }

    private static async Task<Results<Ok<Page<RunResponse>>, ProblemHttpResult>> ListRunsAsync(
        string id, IStorageDriver storage, string? state, string? cursor, int? limit, CancellationToken cancellationToken)
    {
        if (await storage.GetJobAsync(new GetJobParams(id), cancellationToken) is null &&
            (await storage.ListRunsAsync(new ListRunsParams(1, JobId: id), cancellationToken)).Items.Count == 0)
        {
            return ApiProblems.NotFound("job", id);
        }

        return await RunsApi.ListAsync(storage, id, state, cursor, limit, cancellationToken);
    }

    private static ProblemHttpResult? PayloadTooLarge(System.Text.Json.JsonElement? payload) =>
        payload is { } p && Encoding.UTF8.GetByteCount(p.GetRawText()) > JobDefinitions.MaxPayloadBytes
            ? TypedResults.Problem(
                title: "Payload too large",
                detail: $"payload is larger than {JobsLimits.MaxPayloadKiB} KiB; store large data elsewhere and pass a reference",
                statusCode: StatusCodes.Status413PayloadTooLarge)
            : null;
}
