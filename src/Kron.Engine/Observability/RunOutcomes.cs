namespace Kron.Engine.Observability;

/// <summary>How a run attempt ended, as counted by <c>kron_runs_total{outcome}</c>.</summary>
public enum RunOutcomeKind
{
    /// <summary>It succeeded.</summary>
    Succeeded,

    /// <summary>It failed: retried later, dead, or failed for good (not retryable).</summary>
    Failed,

    /// <summary>It was cancelled (API, concurrency replace, or a worker said so).</summary>
    Cancelled,

    /// <summary>Its node died or its lease ran out and it is at most once: outcome unknown, never relaunched.</summary>
    Lost,

    /// <summary>It was interrupted (node died, lease ran out, shutdown) and queued to run again (at least once).</summary>
    Requeued,

    /// <summary>A worker snoozed it: queued again on the same attempt.</summary>
    Snoozed,
}

/// <summary>The metric label of each outcome.</summary>
public static class RunOutcomes
{
    /// <summary>The label value: lower case, stable.</summary>
    public static string Label(RunOutcomeKind outcome) => outcome switch
    {
        RunOutcomeKind.Succeeded => "succeeded",
        RunOutcomeKind.Failed => "failed",
        RunOutcomeKind.Cancelled => "cancelled",
        RunOutcomeKind.Lost => "lost",
        RunOutcomeKind.Requeued => "requeued",
        RunOutcomeKind.Snoozed => "snoozed",
        _ => throw new ArgumentOutOfRangeException(nameof(outcome), outcome, null),
    };
}
