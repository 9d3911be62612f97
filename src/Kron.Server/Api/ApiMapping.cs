using System.Text.Json;
using Kron.Core.Model;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Server.Api;

/// <summary>Stored records to wire records.</summary>
internal static class ApiMapping
{
    public static JobResponse ToResponse(this JobRecord job) => new()
    {
        Id = job.Id,
        Key = job.Key,
        Name = job.Name,
        ScheduleTime = job.ScheduleTime,
        Cron = job.Cron,
        TimeZone = job.ScheduleKind == ScheduleKind.Cron ? job.TimeZone : null,
        Every = job.Every,
        Target = JsonSerializer.Deserialize<TargetSpec>(job.Target, ProtocolJson.Options)!,
        Payload = job.Payload is null ? null : JsonSerializer.Deserialize<JsonElement>(job.Payload),
        Retries = job.Retries,
        Retry = new RetrySpec
        {
            InitialInterval = job.Retry.InitialInterval,
            MaxInterval = job.Retry.MaxInterval,
            Multiplier = job.Retry.Multiplier,
            Jitter = WireNames.Of(job.Retry.Jitter),
        },
        Timeout = job.Timeout,
        Concurrency = WireNames.Of(job.Concurrency),
        MaxConcurrent = job.MaxConcurrent,
        Misfire = WireNames.Of(job.Misfire),
        StartingDeadline = job.StartingDeadline,
        Delivery = WireNames.Of(job.Delivery),
        Priority = job.Priority,
        Tags = job.Tags,
        Paused = job.Paused,
        NextFireAt = job.NextFireAt,
        CreatedAt = job.CreatedAt,
        UpdatedAt = job.UpdatedAt,
        Version = job.Version,
        LastRun = job.LastRun is { } r ? new RunSummaryResponse(r.Id, WireNames.Of(r.State), r.ScheduledFor, r.FinishedAt) : null,
    };

    public static RunResponse ToResponse(this RunRecord run) => new()
    {
        Id = run.Id,
        JobId = run.JobId,
        ScheduledFor = run.ScheduledFor,
        Trigger = run.Trigger,
        Attempt = run.Attempt,
        MaxAttempts = run.MaxAttempts,
        // A prepared run (fired ahead of its slot, leased to a node, not started) is waiting for its slot: queued.
        State = WireNames.Of(run is { State: RunState.Running, StartedAt: null } ? RunState.Queued : run.State),
        ReadyAt = run.ReadyAt,
        StartedAt = run.StartedAt,
        FinishedAt = run.FinishedAt,
        LeaseExpiresAt = run.LeaseExpiresAt,
        Node = run.Node,
        Queue = run.Queue,
        Outcome = run.ExitCode is null && run.HttpStatus is null && run.Error is null ? null : new RunOutcome(run.ExitCode, run.HttpStatus, run.Error),
        Output = run.Output,
        SkipReason = run.SkipReason,
        CancelRequested = run.CancelRequested,
    };
}
