using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kron.Protocol;

namespace Kron.Worker.Testing;

/// <summary>Builds <see cref="JobContext"/>s for handler tests: every field has a default, set only those the test cares about.</summary>
public static class TestJobContext
{
    /// <summary>A context as the worker would build it from a lease.</summary>
    /// <param name="jobType">The job type (default <c>test</c>).</param>
    /// <param name="payload">The payload (see <see cref="Payload(string)"/> and <see cref="Payload{T}(T, JsonTypeInfo{T})"/>), or none.</param>
    /// <param name="attempt">This attempt, from 1.</param>
    /// <param name="maxAttempts">Attempts allowed in all (default 4: the server's default of 3 retries).</param>
    /// <param name="queue">The queue (default <c>default</c>).</param>
    /// <param name="runId">The run's id, which is also the idempotency key (default: a new one).</param>
    /// <param name="jobId">The job's id (default: a new one).</param>
    /// <param name="scheduledFor">The slot (default: 2030-01-01T00:00:00Z, a fixed instant).</param>
    /// <param name="timeout">The job's timeout for one attempt (default 5 minutes).</param>
    /// <returns>The context.</returns>
    public static JobContext Create(
        string jobType = "test",
        JsonElement? payload = null,
        int attempt = 1,
        int maxAttempts = 4,
        string queue = "default",
        string? runId = null,
        string? jobId = null,
        DateTimeOffset? scheduledFor = null,
        TimeSpan? timeout = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobType);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, attempt);
        var id = runId ?? "run_test_" + Guid.NewGuid().ToString("N")[..12];
        var slot = scheduledFor ?? new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return new JobContext
        {
            RunId = id,
            JobId = jobId ?? "job_test_" + Guid.NewGuid().ToString("N")[..12],
            JobType = jobType,
            Queue = queue,
            Attempt = attempt,
            MaxAttempts = maxAttempts,
            IdempotencyKey = id,
            ScheduledFor = slot,
            Payload = payload,
            Timeout = timeout ?? TimeSpan.FromMinutes(5),
            LeaseExpiresAt = slot.AddMinutes(1),
        };
    }

    /// <summary>A payload from JSON text, such as <c>{"user_id": 123}</c>.</summary>
    /// <param name="json">The payload's JSON.</param>
    /// <returns>The payload.</returns>
    /// <exception cref="JsonException"><paramref name="json"/> is not JSON.</exception>
    public static JsonElement Payload(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    /// <summary>A payload serialized from <paramref name="value"/> with source-generated metadata.</summary>
    /// <typeparam name="T">The payload's type.</typeparam>
    /// <param name="value">The payload.</param>
    /// <param name="typeInfo">The metadata, such as <c>MyJsonContext.Default.EmailPayload</c>.</param>
    /// <returns>The payload.</returns>
    public static JsonElement Payload<T>(T value, JsonTypeInfo<T> typeInfo)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return JsonSerializer.SerializeToElement(value, typeInfo);
    }

    /// <summary>A payload serialized from <paramref name="value"/> by reflection, with the API's settings (snake_case).</summary>
    /// <typeparam name="T">The payload's type.</typeparam>
    /// <param name="value">The payload.</param>
    /// <returns>The payload.</returns>
    [System.Diagnostics.CodeAnalysis.RequiresUnreferencedCode("Reflection-based JSON; use Payload(value, JsonTypeInfo<T>) when trimming.")]
    [System.Diagnostics.CodeAnalysis.RequiresDynamicCode("Reflection-based JSON; use Payload(value, JsonTypeInfo<T>) for native AOT.")]
    public static JsonElement Payload<T>(T value) => JsonSerializer.SerializeToElement(value, ProtocolJson.Options);
}
