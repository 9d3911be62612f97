using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Kron.Core.Cron;
using Kron.Core.Model;
using Kron.Core.Time;
using Kron.Engine.Scheduling;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Server.Jobs;

/// <summary>
/// Validates job requests and turns them into stored jobs. Every rule gives a message that says what to fix, keyed by
/// the request field it is about.
/// </summary>
internal static class JobDefinitions
{
    public const int MaxNameLength = 200;
    public const int MaxTags = 50;
    public const int MaxPayloadBytes = 1024 * 1024;
    public const int MaxRetries = 100;

    /// <summary>How far in the past a one-time job may be when no starting deadline is given.</summary>
    public static readonly TimeSpan DefaultPastGrace = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(1);

    /// <summary>Builds a new job from a create request, or returns the field errors.</summary>
    public static JobRecord? Create(JobCreateRequest request, string id, DateTimeOffset now, int shardCount, Dictionary<string, string[]> errors)
    {
        Check(errors, "key", request.Key is { Length: 0 or > MaxNameLength }, $"key must be 1-{MaxNameLength} characters");
        var job = new JobRecord
        {
            Id = id,
            Key = request.Key,
            ScheduleKind = ScheduleKind.At,
            Target = "{}",
            Shard = Ids.ShardOf(id, shardCount),
            CreatedAt = now,
            UpdatedAt = now,
            RequestHash = HashOf(request),
        };

        job = Apply(job, AsPatch(request), now, errors, isCreate: true);
        return errors.Count == 0 ? job with { Paused = request.Paused ?? false } : null;
    }

    /// <summary>Applies a patch to a job, or returns the field errors. The version is not changed here.</summary>
    public static JobRecord? Patch(JobRecord job, JobPatchRequest patch, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var changed = Apply(job, patch, now, errors, isCreate: false);
        return errors.Count == 0 ? changed with { UpdatedAt = now } : null;
    }

    /// <summary>What <c>next_fire_at</c> is for a job (re)defined or resumed at <paramref name="now"/>.</summary>
    public static DateTimeOffset? FirstSlot(JobRecord job, DateTimeOffset now) => JobSchedules.FirstSlot(JobSchedules.Of(job), now);

    /// <summary>A hash of the normalized request: the same key with the same body is the same registration.</summary>
    public static string HashOf(JobCreateRequest request) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(request, ProtocolJson.Options))));

    private static JobPatchRequest AsPatch(JobCreateRequest r) => new()
    {
        Name = r.Name,
        ScheduleTime = r.ScheduleTime,
        Cron = r.Cron,
        TimeZone = r.TimeZone,
        Every = r.Every,
        Target = r.Target,
        Payload = r.Payload,
        Retries = r.Retries,
        Retry = r.Retry,
        MaxConcurrent = r.MaxConcurrent,
        Timeout = r.Timeout,
        Concurrency = r.Concurrency,
        Misfire = r.Misfire,
        StartingDeadline = r.StartingDeadline,
        Delivery = r.Delivery,
        Priority = r.Priority,
        Tags = r.Tags,
    };

    private static JobRecord Apply(JobRecord job, JobPatchRequest p, DateTimeOffset now, Dictionary<string, string[]> errors, bool isCreate)
    {
        Check(errors, "name", p.Name is { Length: > MaxNameLength }, $"name must be at most {MaxNameLength} characters");
        Check(errors, "retries", p.Retries is < 0 or > MaxRetries, $"retries must be 0-{MaxRetries}");
        Check(errors, "timeout", p.Timeout is { } t && (t <= TimeSpan.Zero || t > MaxTimeout), "timeout must be more than zero and at most P1D");
        Check(errors, "starting_deadline", p.StartingDeadline is { } d && d <= TimeSpan.Zero, "starting_deadline must be more than zero");
        Check(errors, "priority", p.Priority is < -1000 or > 1000, "priority must be -1000 to 1000");
        Check(errors, "tags", p.Tags is { Count: > MaxTags }, $"at most {MaxTags} tags");
        Check(errors, "tags", p.Tags?.Any(tag => tag.Length is 0 or > MaxNameLength) == true, $"each tag must be 1-{MaxNameLength} characters");

        var retries = p.Retries;
        if (p.Retry?.Retries is { } nested)
        {
            Check(errors, "retry.retries", retries is { } top && top != nested, "retries is given twice with different values; give it once");
            Check(errors, "retry.retries", nested is < 0 or > MaxRetries, $"retries must be 0-{MaxRetries}");
            retries ??= nested;
        }

        var retry = ApplyRetry(job.Retry, p.Retry, errors);
        var concurrency = ParseEnum(errors, "concurrency", p.Concurrency, job.Concurrency);
        // A stored limit belongs to allow: a patch to forbid or replace drops it (a patch cannot send it as null).
        var maxConcurrent = p.MaxConcurrent ?? (concurrency == ConcurrencyPolicy.Allow ? job.MaxConcurrent : null);
        Check(errors, "max_concurrent", p.MaxConcurrent is < 1 or > 10_000, "max_concurrent must be 1-10000");
        Check(errors, "max_concurrent", maxConcurrent is not null && concurrency != ConcurrencyPolicy.Allow,
            "max_concurrent goes with concurrency allow; forbid and replace already allow one run at a time");
        var misfire = ParseEnum(errors, "misfire", p.Misfire, job.Misfire);
        var delivery = ParseEnum(errors, "delivery", p.Delivery, job.Delivery);

        job = job with
        {
            Name = p.Name ?? job.Name,
            Payload = p.Payload is { } payload ? payload.GetRawText() : job.Payload,
            Retries = retries ?? (isCreate ? JobRecordDefaults.Retries : job.Retries),
            Retry = retry,
            Timeout = p.Timeout ?? job.Timeout,
            Concurrency = concurrency,
            MaxConcurrent = maxConcurrent,
            Misfire = misfire,
            StartingDeadline = p.StartingDeadline ?? job.StartingDeadline,
            Delivery = delivery,
            Priority = p.Priority ?? job.Priority,
            Tags = p.Tags?.Distinct(StringComparer.Ordinal).ToList() ?? job.Tags,
        };

        if (p.Target is not null || isCreate)
        {
            var target = TargetValidation.Validate(p.Target, errors);
            if (target is not null)
            {
                job = job with { Target = JsonSerializer.Serialize(target, ProtocolJson.Options) };
            }
        }

        return ApplySchedule(job, p, now, errors, isCreate);
    }

    private static JobRecord ApplySchedule(JobRecord job, JobPatchRequest p, DateTimeOffset now, Dictionary<string, string[]> errors, bool isCreate)
    {
        var given = (p.ScheduleTime is null ? 0 : 1) + (p.Cron is null ? 0 : 1) + (p.Every is null ? 0 : 1);
        if (given > 1)
        {
            Add(errors, "schedule", "give exactly one of schedule_time (one-time), cron (recurring) or every (interval), not several");
            return job;
        }

        if (given == 0)
        {
            if (isCreate)
            {
                Add(errors, "schedule", "a schedule is required: schedule_time (one-time), cron (recurring, e.g. \"0 3 * * *\") or every (interval, e.g. \"PT30S\")");
            }
            else if (p.TimeZone is not null)
            {
                job = job with { TimeZone = ValidZone(errors, p.TimeZone) ?? job.TimeZone };
            }

            return job;
        }

        if (p.ScheduleTime is { } at)
        {
            var grace = job.StartingDeadline ?? DefaultPastGrace;
            Check(errors, "schedule_time", at < now - grace,
                $"schedule_time {Rfc3339.Format(at)} is more than {ProtocolJson.FormatDuration(grace)} in the past; give a future instant or a longer starting_deadline");
            return job with { ScheduleKind = ScheduleKind.At, ScheduleTime = at, Cron = null, Every = null, TimeZone = p.TimeZone ?? "UTC" };
        }

        if (p.Every is { } every)
        {
            Check(errors, "every", every < TimeSpan.FromSeconds(1), "every must be at least PT1S");
            return job with { ScheduleKind = ScheduleKind.Every, Every = every, ScheduleTime = null, Cron = null, TimeZone = p.TimeZone ?? "UTC" };
        }

        var zone = ValidZone(errors, p.TimeZone ?? (isCreate ? "UTC" : job.TimeZone));
        if (!CronExpression.TryParse(p.Cron!, job.Id, out _, out var cronError))
        {
            Add(errors, "cron", cronError.Message);
        }

        return job with { ScheduleKind = ScheduleKind.Cron, Cron = p.Cron!.Trim(), TimeZone = zone ?? "UTC", ScheduleTime = null, Every = null };
    }

    private static RetryPolicy ApplyRetry(RetryPolicy current, RetrySpec? spec, Dictionary<string, string[]> errors)
    {
        if (spec is null)
        {
            return current;
        }

        var jitter = ParseEnum(errors, "retry.jitter", spec.Jitter, current.Jitter);
        var policy = new RetryPolicy(spec.InitialInterval ?? current.InitialInterval, spec.MaxInterval ?? current.MaxInterval, spec.Multiplier ?? current.Multiplier, jitter);
        Check(errors, "retry.initial_interval", policy.InitialInterval <= TimeSpan.Zero || policy.InitialInterval > MaxTimeout, "initial_interval must be more than zero and at most P1D");
        Check(errors, "retry.max_interval", policy.MaxInterval < policy.InitialInterval || policy.MaxInterval > TimeSpan.FromDays(7), "max_interval must be at least initial_interval and at most P7D");
        Check(errors, "retry.multiplier", policy.Multiplier is < 1 or > 10 or double.NaN, "multiplier must be between 1 and 10");
        return policy;
    }

    private static string? ValidZone(Dictionary<string, string[]> errors, string name)
    {
        if (TimeZones.TryFind(name, out _, out var error))
        {
            return name;
        }

        Add(errors, "time_zone", error);
        return null;
    }

    private static TEnum ParseEnum<TEnum>(Dictionary<string, string[]> errors, string field, string? text, TEnum current)
        where TEnum : struct, Enum
    {
        if (text is null)
        {
            return current;
        }

        if (WireNames.TryParse<TEnum>(text, out var value))
        {
            return value;
        }

        Add(errors, field, $"\"{text}\" is not one of: {WireNames.List<TEnum>()}");
        return current;
    }

    internal static void Check(Dictionary<string, string[]> errors, string field, bool failed, string message)
    {
        if (failed)
        {
            Add(errors, field, message);
        }
    }

    internal static void Add(Dictionary<string, string[]> errors, string field, string message) =>
        errors[field] = errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
}

/// <summary>Defaults of a newly registered job that differ from the type's zero values.</summary>
internal static class JobRecordDefaults
{
    /// <summary>Attempts after the first, when a request gives no <c>retries</c>.</summary>
    public const int Retries = 3;
}
