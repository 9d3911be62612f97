using System.Globalization;
using Kron.Protocol;

namespace Kron.Worker;

/// <summary>
/// How a handler's attempt ended: <see cref="Success"/>, <see cref="Retry"/> (fail, retried with backoff while
/// attempts are left), <see cref="Fail"/> (fail for good: the run ends at once, without its remaining attempts) or <see cref="Snooze"/> (try again
/// later without using an attempt). <see cref="JobOutcomeKind.Cancelled"/> is made by the worker when a handler stops
/// because the run was cancelled.
/// </summary>
public sealed record JobOutcome
{
    /// <summary>The longest <see cref="Snooze"/> the server accepts: 7 days.</summary>
    public static readonly TimeSpan MaxSnooze = TimeSpan.FromDays(7);

    private static readonly JobOutcome Succeeded = new(JobOutcomeKind.Success, null, null);

    private JobOutcome(JobOutcomeKind kind, string? error, TimeSpan? delay)
    {
        Kind = kind;
        Error = error;
        Delay = delay;
    }

    /// <summary>Which outcome it is.</summary>
    public JobOutcomeKind Kind { get; }

    /// <summary>What went wrong (<see cref="JobOutcomeKind.Retry"/> and <see cref="JobOutcomeKind.Fail"/>), kept with the run.</summary>
    public string? Error { get; }

    /// <summary>
    /// <see cref="JobOutcomeKind.Retry"/>: the shortest wait before the next attempt (the job's backoff applies when it
    /// is longer), or <see langword="null"/>. <see cref="JobOutcomeKind.Snooze"/>: how long until the run is ready again.
    /// </summary>
    public TimeSpan? Delay { get; }

    /// <summary>A tail of the handler's output to keep with the run (at most 64 KiB are kept), or <see langword="null"/>.</summary>
    public string? Output { get; init; }

    /// <summary>The attempt succeeded.</summary>
    /// <returns>The outcome.</returns>
    public static JobOutcome Success() => Succeeded;

    /// <summary>The attempt failed; the run is tried again with backoff while attempts are left, else it is dead.</summary>
    /// <param name="error">What went wrong.</param>
    /// <param name="after">Do not retry before this long; lengthens the job's backoff, never shortens it.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="after"/> is negative.</exception>
    public static JobOutcome Retry(string error, TimeSpan? after = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        if (after is { } delay)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero, nameof(after));
        }

        return new JobOutcome(JobOutcomeKind.Retry, error, after);
    }

    /// <summary>
    /// The attempt failed and retrying cannot help: the run ends failed at once, whatever attempts are left (like a
    /// webhook's 4xx; it can still be redriven by hand).
    /// </summary>
    /// <param name="error">What went wrong.</param>
    /// <returns>The outcome.</returns>
    public static JobOutcome Fail(string error)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        return new JobOutcome(JobOutcomeKind.Fail, error, null);
    }

    /// <summary>Not now: the run is queued again after <paramref name="delay"/> with the same attempt (none is used).</summary>
    /// <param name="delay">How long until the run is ready again: zero (hand it back now) to 7 days.</param>
    /// <returns>The outcome.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative or over 7 days.</exception>
    public static JobOutcome Snooze(TimeSpan delay)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(delay, MaxSnooze);
        return new JobOutcome(JobOutcomeKind.Snooze, null, delay);
    }

    /// <summary>The handler stopped because the run was cancelled (or replaced) while it ran.</summary>
    internal static JobOutcome Cancelled { get; } = new(JobOutcomeKind.Cancelled, null, null);

    /// <summary>The handler threw <paramref name="exception"/>: a retryable failure with its type and message.</summary>
    internal static JobOutcome FromException(Exception exception) =>
        new(JobOutcomeKind.Retry, string.Create(CultureInfo.InvariantCulture, $"{exception.GetType().FullName}: {exception.Message}"), null);

    /// <summary>The outcome as a <c>POST /v1/runs/{id}/complete</c> body.</summary>
    internal CompleteRequest ToCompleteRequest(string leaseToken) => Kind switch
    {
        JobOutcomeKind.Success => new CompleteRequest { LeaseToken = leaseToken, Status = "succeeded", Output = Output },
        JobOutcomeKind.Retry => new CompleteRequest { LeaseToken = leaseToken, Status = "failed", Error = Error, RetryAfter = Delay, Output = Output },
        JobOutcomeKind.Fail => new CompleteRequest { LeaseToken = leaseToken, Status = "failed", Error = Error, Retry = false, Output = Output },
        JobOutcomeKind.Snooze => new CompleteRequest { LeaseToken = leaseToken, Status = "snoozed", Snooze = Delay, Output = Output },
        JobOutcomeKind.Cancelled => new CompleteRequest { LeaseToken = leaseToken, Status = "cancelled", Output = Output },
        _ => throw new InvalidOperationException($"unknown outcome {Kind}"),
    };

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        JobOutcomeKind.Retry when Delay is { } after => $"Retry (after {ProtocolJson.FormatDuration(after)}): {Error}",
        JobOutcomeKind.Retry or JobOutcomeKind.Fail => $"{Kind}: {Error}",
        JobOutcomeKind.Snooze => $"Snooze {ProtocolJson.FormatDuration(Delay ?? TimeSpan.Zero)}",
        _ => Kind.ToString(),
    };
}

/// <summary>The kinds of <see cref="JobOutcome"/>.</summary>
public enum JobOutcomeKind
{
    /// <summary>The attempt succeeded (<c>succeeded</c>).</summary>
    Success,

    /// <summary>The attempt failed; retried with backoff while attempts are left (<c>failed</c>).</summary>
    Retry,

    /// <summary>The attempt failed for good; the run ends at once without its remaining attempts (<c>failed</c>, <c>retry: false</c>).</summary>
    Fail,

    /// <summary>Queued again later with the same attempt (<c>snoozed</c>).</summary>
    Snooze,

    /// <summary>The handler stopped because the run was cancelled or replaced (<c>cancelled</c>).</summary>
    Cancelled,
}
