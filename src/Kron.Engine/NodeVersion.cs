using System.Reflection;

namespace Kron.Engine;

/// <summary>This process's Kron version and start instant, as a node reports them.</summary>
public static class NodeVersion
{
    /// <summary>The informational version of the engine assembly.</summary>
    public static string Current { get; } =
        typeof(NodeVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>When this process started (the operating system's record, not the first read of this property).</summary>
    public static DateTimeOffset StartedAt { get; } = ProcessStart();

    private static DateTimeOffset ProcessStart()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return new DateTimeOffset(process.StartTime.ToUniversalTime(), TimeSpan.Zero);
    }
}
