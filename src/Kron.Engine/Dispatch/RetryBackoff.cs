namespace Kron.Engine.Dispatch;

/// <summary>Exponential backoff with full jitter between attempts: base 1 s, doubling, capped at 5 minutes.</summary>
internal static class RetryBackoff
{
    private static readonly TimeSpan Base = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan Cap = TimeSpan.FromMinutes(5);

    /// <summary>The delay before the attempt after <paramref name="failedAttempt"/> (1-based).</summary>
    public static TimeSpan After(int failedAttempt)
    {
        var exponential = Base.Ticks * Math.Pow(2, Math.Min(failedAttempt - 1, 20));
        var ceiling = Math.Min(exponential, Cap.Ticks);
#pragma warning disable CA5394 // Not security: jitter spreads retries.
        return TimeSpan.FromTicks((long)(ceiling * (0.5 + (Random.Shared.NextDouble() * 0.5))));
#pragma warning restore CA5394
    }
}
