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
    /// <summary>The longest <c>q</c> (search text) a job list takes.</summary>
    public const int MaxSearchLength = 200;

    public static IEndpointRouteBuilder MapJobsApi(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/v1/jobs").WithTags("Jobs");
        jobs.MapPost("/", CreateAsync).Accepts<JobCreateRequest>("application/json")
            .Produces<JobResponse>(StatusCodes.Status201Created).Produces<JobResponse>().ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        jobs.MapPost("/batch", CreateManyAsync).Accepts<JobBatchRequest>("application/json").Produces<JobBatchResponse>()
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status413PayloadTooLarge);
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

    /// <summary>
    /// <c>POST /v1/jobs/batch</c>: registers up to <see cref="JobsLimits.MaxBatch"/> jobs in one transaction. The answer is
    /// 200 with one item per job, in order, carrying the status <c>POST /v1/jobs</c> would have answered (201, 200, 409,
    /// 413 or 422) and the job or the problem; a bad item does not stop the others.
    /// </summary>
    private static async Task<IResult> CreateManyAsync(HttpRequest request, JobService service, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<JobBatchRequest>(request, JobsLimits.MaxBatchBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.Jobs is not { Count: > 0 and <= JobsLimits.MaxBatch } jobs)
        {
            return ApiProblems.BadRequest($"jobs must hold 1-{JobsLimits.MaxBatch} jobs, not {body.Jobs?.Count ?? 0}; send larger sets in several requests");
        }

        var items = new JobBatchItem[jobs.Count];
        var accepted = new List<int>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            if (jobs[i] is null)
            {
                items[i] = new JobBatchItem(StatusCodes.Status422UnprocessableEntity, Detail: "a job is null; every item must be a job object");
            }
            else if (PayloadTooLarge(jobs[i].Payload) is not null)
            {
                items[i] = new JobBatchItem(StatusCodes.Status413PayloadTooLarge, Detail: $"payload is larger than {JobsLimits.MaxPayloadKiB} KiB; store large data elsewhere and pass a reference");
            }
            else
            {
                accepted.Add(i);
            }
        }

        var changes = await service.CreateManyAsync([.. accepted.Select(i => jobs[i])], cancellationToken);
        for (var i = 0; i < accepted.Count; i++)
        {
            var index = accepted[i];
            items[index] = changes[i] switch
            {
                { Errors: { } errors } => new JobBatchItem(StatusCodes.Status422UnprocessableEntity, Errors: errors, Detail: ApiProblems.Describe(errors)),
                { Conflict: true } change => new JobBatchItem(
                    StatusCodes.Status409Conflict,
                    Detail: $"key \"{jobs[index].Key}\" is already used by job {change.Job!.Id} with a different definition; use another key, or PATCH /v1/jobs/{change.Job.Id}"),
                { Created: true } change => new JobBatchItem(StatusCodes.Status201Created, change.Job!.ToResponse()),
                var change => new JobBatchItem(StatusCodes.Status200OK, change.Job!.ToResponse()),
            };
        }

        return TypedResults.Ok(new JobBatchResponse(items));
    }

    private static async Task<Results<Ok<Page<JobResponse>>, ProblemHttpResult>> ListAsync(
        IStorageDriver storage, string? tag, string? state, string? q, string? cursor, int? limit, CancellationToken cancellationToken)
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

        if (q is { Length: > MaxSearchLength })
        {
            return ApiProblems.BadRequest($"q must be at most {MaxSearchLength} characters, not {q.Length}");
        }

        var search = string.IsNullOrWhiteSpace(q) ? null : q.Trim();
        var page = await storage.ListJobsAsync(new ListJobsParams(pageSize, cursor, tag, paused) { Search = search }, cancellationToken);
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
