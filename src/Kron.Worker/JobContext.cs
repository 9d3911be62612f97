using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kron.Protocol;

namespace Kron.Worker;

/// <summary>
/// The run a handler executes: which run and job, which attempt, its payload and its lease. The worker builds it from
/// the lease; tests build it with an object initializer (or <c>Kron.Worker.Testing</c>'s <c>TestJobContext</c>).
/// </summary>
public sealed class JobContext
{
    private long _leaseExpiresAtTicks;

    /// <summary>The run's id.</summary>
    public required string RunId { get; init; }

    /// <summary>The id of the job the run is a slot of.</summary>
    public required string JobId { get; init; }

    /// <summary>The job's handler type (<c>target.job_type</c>).</summary>
    public required string JobType { get; init; }

    /// <summary>The queue the run was leased from.</summary>
    public required string Queue { get; init; }

    /// <summary>This attempt, from 1.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>Attempts allowed in all; the run is dead when attempt <see cref="MaxAttempts"/> fails.</summary>
    public int MaxAttempts { get; init; } = 1;

    /// <summary>Whether a failure of this attempt makes the run dead.</summary>
    public bool IsLastAttempt => Attempt >= MaxAttempts;

    /// <summary>
    /// The same for every attempt of the run (and every execution of an attempt): deduplicate side effects with it,
    /// such as an <c>Idempotency-Key</c> header or a unique key in your database.
    /// </summary>
    public required string IdempotencyKey { get; init; }

    /// <summary>The slot the run is for.</summary>
    public DateTimeOffset ScheduledFor { get; init; }

    /// <summary>The job's payload, or <see langword="null"/> when it has none.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>The job's timeout for one attempt; the handler's token fires when it passes. Zero: none.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>When the lease runs out unless a heartbeat extends it; the worker updates it after each heartbeat.</summary>
    public DateTimeOffset LeaseExpiresAt
    {
        get => new(Interlocked.Read(ref _leaseExpiresAtTicks), TimeSpan.Zero);
        init => _leaseExpiresAtTicks = value.UtcTicks;
    }

    /// <summary>Reads the payload as <typeparamref name="T"/> with source-generated metadata (trimming and AOT safe).</summary>
    /// <typeparam name="T">The payload's type.</typeparam>
    /// <param name="typeInfo">The metadata, such as <c>MyJsonContext.Default.EmailPayload</c>.</param>
    /// <returns>The payload, or <see langword="default"/> when there is none or it is JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The payload does not fit <typeparamref name="T"/>.</exception>
    public T? GetPayload<T>(JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Payload is { } payload ? payload.Deserialize(typeInfo) : default;
    }

    /// <summary>
    /// Reads the payload as <typeparamref name="T"/> by reflection, with the API's JSON settings (snake_case names,
    /// ISO 8601 durations), skipping fields <typeparamref name="T"/> does not have.
    /// </summary>
    /// <typeparam name="T">The payload's type.</typeparam>
    /// <returns>The payload, or <see langword="default"/> when there is none or it is JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The payload does not fit <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; use GetPayload(JsonTypeInfo<T>) when trimming.")]
    [RequiresDynamicCode("Reflection-based JSON; use GetPayload(JsonTypeInfo<T>) for native AOT.")]
    public T? GetPayload<T>() => GetPayload<T>(PayloadJson.Options);

    /// <summary>Reads the payload as <typeparamref name="T"/> by reflection, with <paramref name="options"/>.</summary>
    /// <typeparam name="T">The payload's type.</typeparam>
    /// <param name="options">The settings to read with.</param>
    /// <returns>The payload, or <see langword="default"/> when there is none or it is JSON <c>null</c>.</returns>
    /// <exception cref="JsonException">The payload does not fit <typeparamref name="T"/>.</exception>
    [RequiresUnreferencedCode("Reflection-based JSON; use GetPayload(JsonTypeInfo<T>) when trimming.")]
    [RequiresDynamicCode("Reflection-based JSON; use GetPayload(JsonTypeInfo<T>) for native AOT.")]
    public T? GetPayload<T>(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Payload is { } payload ? payload.Deserialize<T>(options) : default;
    }

    internal void ExtendLease(DateTimeOffset expiresAt) => Interlocked.Exchange(ref _leaseExpiresAtTicks, expiresAt.UtcTicks);

    internal static JobContext FromLease(LeasedRun run) => new()
    {
        RunId = run.Id,
        JobId = run.JobId,
        JobType = run.JobType,
        Queue = run.Queue,
        Attempt = run.Attempt,
        MaxAttempts = run.MaxAttempts,
        IdempotencyKey = run.IdempotencyKey,
        ScheduledFor = run.ScheduledFor,
        Payload = run.Payload,
        Timeout = run.Timeout,
        LeaseExpiresAt = run.LeaseExpiresAt,
    };
}
