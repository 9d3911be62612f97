using System.Text.Json;

namespace Kron.Engine.Queues;

/// <summary>Reads the queue of a <c>queue</c> target from a job's target JSON.</summary>
public static class QueueTargets
{
    /// <summary>
    /// The queue a run of this target waits in, or null when a node executes it. The API writes targets with
    /// <c>"type"</c> first and no spaces, so other targets cost one substring search, not a parse.
    /// </summary>
    public static string? QueueOf(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        if (!target.Contains("\"queue\"", StringComparison.Ordinal))
        {
            return null;
        }

        using var document = JsonDocument.Parse(target);
        var root = document.RootElement;
        return root.TryGetProperty("type", out var type) && type.ValueEquals("queue")
            && root.TryGetProperty("queue", out var queue) && queue.ValueKind == JsonValueKind.String
                ? queue.GetString()
                : null;
    }

    /// <summary>The handler type of a <c>queue</c> target, or null.</summary>
    public static string? JobTypeOf(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var document = JsonDocument.Parse(target);
        return document.RootElement.TryGetProperty("job_type", out var jobType) && jobType.ValueKind == JsonValueKind.String ? jobType.GetString() : null;
    }
}
