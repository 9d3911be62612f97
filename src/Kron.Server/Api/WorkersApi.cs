using System.Text.Json;
using Kron.Core.Model;
using Kron.Engine.Queues;
using Kron.Protocol;
using Kron.Server.Jobs;
using Kron.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kron.Server.Api;

/// <summary>
/// The worker protocol (queue targets): <c>POST /v1/workers/lease</c> (long-poll), <c>POST /v1/runs/{id}/heartbeat</c>,
/// <c>POST /v1/runs/{id}/complete</c>; and what operators look at: <c>GET /v1/workers</c>, <c>GET /v1/queues</c>,
/// <c>PUT /v1/queues/{name}</c> (the limit on runs leased at once).
/// </summary>
internal static class WorkersApi
{
    public const int MaxQueuesPerLease = 32;
    public const int MaxLeasedPerCall = 1000;
    public const int MaxQueueLimit = 100_000;
    public const int MaxBodyBytes = 128 * 1024;
    public const int MaxOutputChars = 64 * 1024;

    private const string InvalidTitle = "Invalid request";

    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(20);
    public static readonly TimeSpan MaxDelay = TimeSpan.FromDays(7);

    public static IEndpointRouteBuilder MapWorkersApi(this IEndpointRouteBuilder routes)
    {
        var workers = routes.MapGroup("/v1/workers").WithTags("Workers");
        workers.MapPost("/lease", LeaseAsync).Accepts<LeaseRequest>("application/json").Produces<LeaseResponse>()
            .WithSummary("Lease ready runs of queues (long-poll: answers as soon as runs are ready, or empty after wait).");
        workers.MapGet("/", ListWorkersAsync).WithSummary("Workers seen recently and the runs they hold.");
        var runs = routes.MapGroup("/v1/runs").WithTags("Workers");
        runs.MapPost("/{id}/heartbeat", HeartbeatAsync).Accepts<HeartbeatRequest>("application/json")
            .WithSummary("Extend a leased run's lease; 409 when the token is no longer current.");
        runs.MapPost("/{id}/complete", CompleteAsync).Accepts<CompleteRequest>("application/json")
            .WithSummary("Record a leased run's outcome; 409 when the token is no longer current.");
        var queues = routes.MapGroup("/v1/queues").WithTags("Workers");
        queues.MapGet("/", ListQueuesAsync).WithSummary("Queues: runs queued, leased, and the limit.");
        queues.MapPut("/{name}", SetLimitAsync).Accepts<QueueUpdateRequest>("application/json").WithSummary("Set or clear a queue's limit on runs leased at once.");
        return routes;
    }

    private static async Task<IResult> LeaseAsync(
        HttpRequest request, QueueLeaser leaser, IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<LeaseRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new Dictionary<string, string[]>();
        JobDefinitions.Check(errors, "worker", !QueueNames.IsValidWorker(body!.Worker), $"worker must be {QueueNames.WorkerRule}, such as \"mailer-1\"");
        JobDefinitions.Check(errors, "queues", body.Queues is null || body.Queues.Count is 0 or > MaxQueuesPerLease, $"queues must name 1-{MaxQueuesPerLease} queues, such as [\"default\"]");
        foreach (var queue in body.Queues ?? [])
        {
            JobDefinitions.Check(errors, "queues", !QueueNames.IsValid(queue), $"\"{queue}\" is not a queue name: {QueueNames.Rule}");
        }

        var max = body.Max ?? 1;
        JobDefinitions.Check(errors, "max", max is < 1 or > MaxLeasedPerCall, $"max must be 1-{MaxLeasedPerCall}, not {max}");
        var wait = body.Wait ?? DefaultWait;
        JobDefinitions.Check(errors, "wait", wait < TimeSpan.Zero || wait > leaser.MaxWait, $"wait must be between PT0S and {ProtocolJson.FormatDuration(leaser.MaxWait)}, not {ProtocolJson.FormatDuration(wait)}");
        if (errors.Count > 0)
        {
            return ApiProblems.Invalid(errors, InvalidTitle);
        }

        // A stopping node answers its long-polls at once (empty) rather than holding its shutdown for the wait.
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.ApplicationStopping);
        IReadOnlyList<RunRecord> runs;
        try
        {
            runs = await leaser.LeaseAsync(body.Worker, [.. body.Queues!.Distinct(StringComparer.Ordinal)], max, wait, linked.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            runs = [];
        }

        if (cancellationToken.IsCancellationRequested && runs.Count > 0)
        {
            // The worker hung up while its runs were being leased (it is stopping): give them back at once rather
            // than let them wait out a lease nobody holds.
            await leaser.ReturnAsync(runs, CancellationToken.None);
            return TypedResults.Ok(new LeaseResponse([]));
        }

        return TypedResults.Ok(new LeaseResponse([.. runs.Select(ToLeased)]));
    }

    private static async Task<Ok<WorkersResponse>> ListWorkersAsync(
        IStorageDriver storage, TimeProvider time, IOptions<QueueLeaserOptions> options, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var result = await storage.ListWorkersAsync(new ListWorkersParams(now - options.Value.WorkerTtl), cancellationToken);
        return TypedResults.Ok(new WorkersResponse([.. result.Workers.Select(w => new WorkerResponse
        {
            Id = w.Worker.StartsWith(QueueLeaser.OwnerPrefix, StringComparison.Ordinal) ? w.Worker[QueueLeaser.OwnerPrefix.Length..] : w.Worker,
            Queues = w.Queues,
            LastSeenAt = w.LastSeenAt,
            Alive = w.LastSeenAt >= now - options.Value.LeaseDuration,
            Runs = [.. w.Runs.Select(r => new HeldRun(r.Id, r.JobId, r.Queue ?? string.Empty, r.Attempt, r.LeaseExpiresAt))],
        })]));
    }

    private static async Task<IResult> HeartbeatAsync(string id, HttpRequest request, QueueLeaser leaser, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<HeartbeatRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(body!.LeaseToken))
        {
            return ApiProblems.Invalid(new() { ["lease_token"] = ["lease_token is required: the token the lease handed out"] }, InvalidTitle);
        }

        var answer = await leaser.HeartbeatAsync(id, body.LeaseToken, cancellationToken);
        return answer.Status == LeaseStatus.Current
            ? TypedResults.Ok(new HeartbeatResponse(answer.LeaseExpiresAt!.Value, answer.CancelRequested))
            : Refusal(id, answer);
    }

    private static async Task<IResult> CompleteAsync(string id, HttpRequest request, QueueLeaser leaser, CancellationToken cancellationToken)
    {
        var (body, problem) = await ApiProblems.ReadBodyAsync<CompleteRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (Validate(body!) is { } invalid)
        {
            return invalid;
        }

        var kind = body!.Status switch
        {
            "succeeded" => WorkerOutcomeKind.Succeeded,
            "failed" => WorkerOutcomeKind.Failed,
            "snoozed" => WorkerOutcomeKind.Snoozed,
            _ => WorkerOutcomeKind.Cancelled,
        };
        var outcome = new WorkerOutcome(kind)
        {
            Error = body.Error,
            RetryAfter = body.RetryAfter,
            Retry = body.Retry ?? true,
            Snooze = body.Snooze,
            Output = body.Output is { Length: > MaxOutputChars } output ? output[^MaxOutputChars..] : body.Output,
        };
        var answer = await leaser.CompleteAsync(id, body.LeaseToken, outcome, cancellationToken);
        return answer.Status == LeaseStatus.Current ? TypedResults.Ok(answer.Run!.ToResponse()) : Refusal(id, answer);
    }

    private static ValidationProblem? Validate(CompleteRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        JobDefinitions.Check(errors, "lease_token", string.IsNullOrEmpty(body.LeaseToken), "lease_token is required: the token the lease handed out");
        var status = body.Status;
        JobDefinitions.Check(errors, "status", status is not ("succeeded" or "failed" or "snoozed" or "cancelled"), $"status must be succeeded, failed, snoozed or cancelled, not \"{status}\"");
        JobDefinitions.Check(errors, "retry_after", body.RetryAfter is not null && status != "failed", "retry_after belongs to status failed only");
        JobDefinitions.Check(errors, "retry_after", body.RetryAfter is { } after && (after < TimeSpan.Zero || after > MaxDelay), "retry_after must be between PT0S and P7D");
        JobDefinitions.Check(errors, "retry", body.Retry is not null && status != "failed", "retry belongs to status failed only");
        JobDefinitions.Check(errors, "snooze", body.Snooze is not null && status != "snoozed", "snooze belongs to status snoozed only");
        JobDefinitions.Check(errors, "snooze", body.Snooze is { } snooze && (snooze < TimeSpan.Zero || snooze > MaxDelay), "snooze must be between PT0S and P7D");
        JobDefinitions.Check(errors, "error", body.Error is { Length: > MaxOutputChars }, $"error must be at most {MaxOutputChars} characters; put details in output");
        return errors.Count == 0 ? null : ApiProblems.Invalid(errors, InvalidTitle);
    }

    private static async Task<Ok<QueuesResponse>> ListQueuesAsync(IStorageDriver storage, CancellationToken cancellationToken)
    {
        var result = await storage.ListQueuesAsync(new ListQueuesParams(), cancellationToken);
        return TypedResults.Ok(new QueuesResponse([.. result.Queues.Select(ToResponse)]));
    }

    private static async Task<IResult> SetLimitAsync(string name, HttpRequest request, IStorageDriver storage, CancellationToken cancellationToken)
    {
        if (!QueueNames.IsValid(name))
        {
            return ApiProblems.BadRequest($"\"{name}\" is not a queue name: {QueueNames.Rule}");
        }

        var (body, problem) = await ApiProblems.ReadBodyAsync<QueueUpdateRequest>(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.MaxLeased is < 1 or > MaxQueueLimit)
        {
            return ApiProblems.Invalid(new() { ["max_leased"] = [$"max_leased must be 1-{MaxQueueLimit}, or null for no limit; not {body.MaxLeased}"] }, InvalidTitle);
        }

        var result = await storage.SetQueueLimitAsync(new SetQueueLimitParams(name, body.MaxLeased), cancellationToken);
        return TypedResults.Ok(ToResponse(result.Queue));
    }

    private static QueueResponse ToResponse(QueueRecord queue) => new()
    {
        Name = queue.Name,
        Queued = queue.Queued,
        Running = queue.Running,
        MaxLeased = queue.MaxLeased,
    };

    private static LeasedRun ToLeased(RunRecord run) => new()
    {
        Id = run.Id,
        JobId = run.JobId,
        JobType = QueueTargets.JobTypeOf(run.Target) ?? string.Empty,
        Queue = run.Queue ?? string.Empty,
        Payload = run.Payload is null ? null : JsonSerializer.Deserialize<JsonElement>(run.Payload),
        ScheduledFor = run.ScheduledFor,
        Attempt = run.Attempt,
        MaxAttempts = run.MaxAttempts,
        IdempotencyKey = run.Id,
        LeaseToken = run.LeaseToken!,
        LeaseExpiresAt = run.LeaseExpiresAt!.Value,
        Timeout = run.Timeout,
    };

    private static ProblemHttpResult Refusal(string id, LeaseAnswer answer) => answer.Status switch
    {
        LeaseStatus.NotFound => ApiProblems.NotFound("run", id),
        LeaseStatus.NotAQueueRun => ApiProblems.Conflict($"run {id} is not a queue run: node {answer.Run?.Node ?? "?"} executes it, so workers cannot heartbeat or complete it"),
        _ => ApiProblems.Conflict(StaleDetail(id, answer.Run)),
    };

    private static string StaleDetail(string id, RunRecord? run) => run switch
    {
        { State: RunState.Running } => $"the lease token is no longer current for run {id}: attempt {run.Attempt} is leased to {run.LeaseOwner}; this worker's lease expired and the run was handed out again — stop working on it",
        { State: RunState.Queued } => $"the lease token is no longer current for run {id}: its lease expired and it is queued again for attempt {run.Attempt} — stop working on it",
        { } => $"the lease token is no longer current for run {id}: the run is {WireNames.Of(run.State)} — stop working on it",
        null => $"the lease token is no longer current for run {id}",
    };
}
