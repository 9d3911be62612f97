using System.Reflection;

namespace Kron.Engine;

/// <summary>This process's Kron version and start instant, as a node reports them.</summary>
public static class NodeVersion
{
    /// <summary>The informational version of the engine assembly.</summary>
    public static string Current { get; } =
        typeof(NodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>When this process started.</summary>
    public static DateTimeOffset StartedAt { get; } = TimeProvider.System.GetUtcNow();
}
