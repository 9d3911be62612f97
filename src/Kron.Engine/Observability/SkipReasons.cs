namespace Kron.Engine.Observability;

/// <summary>
/// The bounded label for a skipped slot: the run's <c>skip_reason</c> is a sentence for people (it names runs, delays
/// and limits), so the metric keeps only its kind. The prefixes are the ones <c>FirePlanner</c> writes.
/// </summary>
public static class SkipReasons
{
    /// <summary>misfire, starting_deadline, concurrency_forbid, concurrency_replace, max_concurrent, or other.</summary>
    public static string Code(string? reason) => reason switch
    {
        null => "other",
        _ when reason.StartsWith("missed its starting deadline", StringComparison.Ordinal) => "starting_deadline",
        _ when reason.StartsWith("missed while", StringComparison.Ordinal) => "misfire",
        _ when reason.StartsWith("concurrency forbid", StringComparison.Ordinal) => "concurrency_forbid",
        _ when reason.StartsWith("concurrency replace", StringComparison.Ordinal) => "concurrency_replace",
        _ when reason.StartsWith("max_concurrent", StringComparison.Ordinal) => "max_concurrent",
        _ => "other",
    };
}
