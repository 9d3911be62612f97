using System.Text.Json;
using Kron.Protocol;

namespace Kron.Engine.Execution;

/// <summary>
/// A run's target, read from its JSON once per distinct target rather than once per run: most runs share their target
/// with many others (every run of a job has its job's). <see cref="TargetSpec"/> is immutable, so runs can share one.
/// </summary>
public static class TargetSpecs
{
    /// <summary>Distinct targets kept before the cache is emptied.</summary>
    public const int Capacity = 4096;

    private static readonly ParseCache<string, TargetSpec?> Cache = new(Capacity, StringComparer.Ordinal);

    /// <summary>The target of <paramref name="json"/> (null when the JSON is <c>null</c>).</summary>
    /// <exception cref="JsonException">The JSON is not a target.</exception>
    public static TargetSpec? Read(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Cache.Get(json, 0, static (text, _) => JsonSerializer.Deserialize<TargetSpec>(text, ProtocolJson.Options));
    }
}
