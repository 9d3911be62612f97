using System.Collections.Concurrent;
using System.Text.Json;
using Kron.Protocol;

namespace Kron.Engine.Execution;

/// <summary>
/// A run's target, read from its JSON once per distinct target rather than once per run: most runs share their target
/// with many others (every run of a job has its job's), and this is the hot path of issue 6. A small hand-written cache:
/// the bound keeps memory flat when targets are all different, and a full cache is simply emptied (no library here has
/// a bounded cache worth its weight for this). <see cref="TargetSpec"/> is immutable, so runs can share one.
/// </summary>
public static class TargetSpecs
{
    /// <summary>Distinct targets kept before the cache is emptied.</summary>
    public const int Capacity = 4096;

    private static readonly ConcurrentDictionary<string, TargetSpec?> Cache = new(StringComparer.Ordinal);

    /// <summary>The target of <paramref name="json"/> (null when the JSON is <c>null</c>).</summary>
    /// <exception cref="JsonException">The JSON is not a target.</exception>
    public static TargetSpec? Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Cache.TryGetValue(json, out var target))
        {
            return target;
        }

        target = JsonSerializer.Deserialize<TargetSpec>(json, ProtocolJson.Options);
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }

        Cache.TryAdd(json, target);
        return target;
    }
}
