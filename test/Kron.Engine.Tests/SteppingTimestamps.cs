namespace Kron.Engine.Tests;

/// <summary>A clock whose monotonic timestamps move only when the test says so (its wall clock is the system's).</summary>
internal sealed class SteppingTimestamps : TimeProvider
{
    public long Timestamp { get; set; } = 1_000;

    public override long GetTimestamp() => Timestamp;
}
