using Kron.Protocol;

namespace Kron.Worker.Testing;

/// <summary>
/// Assertions on a handler's <see cref="JobOutcome"/> for any test framework: each throws
/// <see cref="JobOutcomeAssertionException"/> saying what was expected and what the handler did.
/// </summary>
public static class KronAssert
{
    /// <summary>The handler succeeded.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome Succeeded(JobOutcome outcome) => Expect(outcome, JobOutcomeKind.Success, "succeed");

    /// <summary>The handler failed and asked for a retry.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="errorContains">Text the error must contain (ordinal), or <see langword="null"/>.</param>
    /// <param name="after">The retry delay it must have asked for, or <see langword="null"/> for any.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome Retried(JobOutcome outcome, string? errorContains = null, TimeSpan? after = null)
    {
        Expect(outcome, JobOutcomeKind.Retry, "fail with a retry");
        ErrorContains(outcome, errorContains);
        if (after is { } delay && outcome.Delay != delay)
        {
            throw new JobOutcomeAssertionException($"expected a retry after {ProtocolJson.FormatDuration(delay)}, but the handler asked for {(outcome.Delay is { } actual ? "one after " + ProtocolJson.FormatDuration(actual) : "no delay")}: {outcome}");
        }

        return outcome;
    }

    /// <summary>The handler failed for good (no retry).</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="errorContains">Text the error must contain (ordinal), or <see langword="null"/>.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome Failed(JobOutcome outcome, string? errorContains = null)
    {
        Expect(outcome, JobOutcomeKind.Fail, "fail without a retry");
        ErrorContains(outcome, errorContains);
        return outcome;
    }

    /// <summary>The handler snoozed the run (no attempt used).</summary>
    /// <param name="outcome">The outcome.</param>
    /// <param name="delay">The delay it must have asked for, or <see langword="null"/> for any.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome Snoozed(JobOutcome outcome, TimeSpan? delay = null)
    {
        Expect(outcome, JobOutcomeKind.Snooze, "snooze");
        if (delay is { } expected && outcome.Delay != expected)
        {
            throw new JobOutcomeAssertionException($"expected a snooze of {ProtocolJson.FormatDuration(expected)}, but the handler snoozed for {ProtocolJson.FormatDuration(outcome.Delay ?? TimeSpan.Zero)}");
        }

        return outcome;
    }

    /// <summary>The run was handed back to the queue (a snooze of zero), as at a shutdown.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome HandedBack(JobOutcome outcome) => Snoozed(outcome, TimeSpan.Zero);

    /// <summary>The handler stopped because the run was cancelled.</summary>
    /// <param name="outcome">The outcome.</param>
    /// <returns><paramref name="outcome"/>.</returns>
    public static JobOutcome Cancelled(JobOutcome outcome) => Expect(outcome, JobOutcomeKind.Cancelled, "stop as cancelled");

    private static JobOutcome Expect(JobOutcome outcome, JobOutcomeKind kind, string what)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.Kind != kind)
        {
            throw new JobOutcomeAssertionException($"expected the handler to {what}, but it ended with {Describe(outcome)}");
        }

        return outcome;
    }

    private static void ErrorContains(JobOutcome outcome, string? text)
    {
        if (text is not null && (outcome.Error is null || !outcome.Error.Contains(text, StringComparison.Ordinal)))
        {
            throw new JobOutcomeAssertionException($"expected the error to contain \"{text}\", but it is \"{outcome.Error}\"");
        }
    }

    private static string Describe(JobOutcome outcome) => outcome.Kind switch
    {
        JobOutcomeKind.Success => "success",
        JobOutcomeKind.Retry => "a retryable failure: " + outcome.Error + (outcome.Delay is { } after ? $" (retry after {ProtocolJson.FormatDuration(after)})" : string.Empty),
        JobOutcomeKind.Fail => "a failure without retry: " + outcome.Error,
        JobOutcomeKind.Snooze => "a snooze of " + ProtocolJson.FormatDuration(outcome.Delay ?? TimeSpan.Zero),
        _ => "cancelled",
    };
}

/// <summary>A <see cref="KronAssert"/> assertion did not hold.</summary>
public sealed class JobOutcomeAssertionException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JobOutcomeAssertionException()
    {
    }

    /// <summary>Creates the exception with what was expected and what happened.</summary>
    /// <param name="message">The message.</param>
    public JobOutcomeAssertionException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a cause.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public JobOutcomeAssertionException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
