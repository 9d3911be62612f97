namespace Kron.Core.Model;

/// <summary>How the delay before a retry is randomized.</summary>
public enum RetryJitter
{
    /// <summary>Uniform between zero and the computed delay (AWS "full jitter"): spreads a herd of retries best.</summary>
    Full,

    /// <summary>Uniform between half the computed delay and the delay: keeps retries from coming too early.</summary>
    Proportional,

    /// <summary>Exactly the computed delay.</summary>
    None,
}

/// <summary>
/// Exponential backoff between attempts: the delay after the n-th failed attempt is
/// <c>min(MaxInterval, InitialInterval × Multiplier^(n-1))</c>, then jittered. A target's <c>Retry-After</c> overrides
/// it (see <see cref="DelayAfter"/>).
/// </summary>
public sealed record RetryPolicy(TimeSpan InitialInterval, TimeSpan MaxInterval, double Multiplier, RetryJitter Jitter)
{
    /// <summary>1 s, doubling, at most 5 minutes, full jitter.</summary>
    public static readonly RetryPolicy Default = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5), 2.0, RetryJitter.Full);

    /// <summary>
    /// The delay before the attempt after <paramref name="failedAttempt"/> (1-based). <paramref name="random"/> is a
    /// uniform draw in [0, 1), passed in so the math stays pure. <paramref name="retryAfter"/>, when the target asked for
    /// it, wins if it is longer than the computed delay (never shorter: a target cannot make us hammer it).
    /// </summary>
    public TimeSpan DelayAfter(int failedAttempt, double random, TimeSpan? retryAfter = null)
    {
        var exponential = InitialInterval.Ticks * Math.Pow(Multiplier, Math.Clamp(failedAttempt - 1, 0, 60));
        var ceiling = Math.Min(exponential, MaxInterval.Ticks);
        var jittered = Jitter switch
        {
            RetryJitter.Full => ceiling * random,
            RetryJitter.Proportional => ceiling * (0.5 + (random / 2)),
            _ => ceiling,
        };
        var delay = TimeSpan.FromTicks((long)Math.Min(jittered, TimeSpan.MaxValue.Ticks / 2.0));
        return retryAfter is { } asked && asked > delay ? asked : delay;
    }
}
