namespace Kron.Core.Model;

/// <summary>
/// Where a run is in its life (<c>docs/run-state-machine.md</c>): <see cref="Queued"/> and <see cref="Running"/> are
/// live; the others are final until a redrive.
/// </summary>
public enum RunState
{
    /// <summary>Waiting for <c>ready_at</c> and a free executor.</summary>
    Queued,

    /// <summary>Leased to a node or worker and executing.</summary>
    Running,

    /// <summary>Finished with success.</summary>
    Succeeded,

    /// <summary>Finished with an error that is not retried.</summary>
    Failed,

    /// <summary>Failed with no attempts left: the dead-letter list.</summary>
    Dead,

    /// <summary>A slot that was not run; <c>skip_reason</c> says why.</summary>
    Skipped,

    /// <summary>An at-most-once run whose outcome is unknown after a crash; never relaunched.</summary>
    Lost,

    /// <summary>Cancelled before it finished.</summary>
    Cancelled,
}

/// <summary>Per job: what happens to a run whose node or worker died while it ran.</summary>
public enum DeliveryGuarantee
{
    /// <summary>Run it again, with the same idempotency key (the default).</summary>
    AtLeastOnce,

    /// <summary>Never run it twice: mark it <see cref="RunState.Lost"/>.</summary>
    AtMostOnce,
}

/// <summary>Per recurring job: what a slot does when the previous run is still going.</summary>
public enum ConcurrencyPolicy
{
    /// <summary>Run alongside (the default).</summary>
    Allow,

    /// <summary>Skip the new slot and record why.</summary>
    Forbid,

    /// <summary>Cancel the running one and start the new one.</summary>
    Replace,
}

/// <summary>Per recurring job: what happens to slots missed while Kron was down or the job paused.</summary>
public enum MisfirePolicy
{
    /// <summary>One run for the most recent missed slot (the default, like Kubernetes and anacron).</summary>
    RunOnce,

    /// <summary>Run none of them.</summary>
    Skip,

    /// <summary>Run every missed slot, oldest first, up to a bound.</summary>
    RunAll,
}

/// <summary>The three kinds of schedule.</summary>
public enum ScheduleKind
{
    /// <summary>Once, at an instant.</summary>
    At,

    /// <summary>A cron expression in a time zone.</summary>
    Cron,

    /// <summary>A fixed interval.</summary>
    Every,
}

/// <summary>Snake-case wire names of the model's enums, shared by storage and the API.</summary>
public static class WireNames
{
    /// <summary>The wire name, such as <c>at_least_once</c>.</summary>
    public static string Of<TEnum>(TEnum value)
        where TEnum : struct, Enum => System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    /// <summary>Parses a wire name, case-sensitively.</summary>
    public static bool TryParse<TEnum>(string? text, out TEnum value)
        where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Of(candidate) == text)
            {
                value = candidate;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>All wire names of an enum, for error messages.</summary>
    public static string List<TEnum>()
        where TEnum : struct, Enum => string.Join(", ", Enum.GetValues<TEnum>().Select(v => Of(v)));
}
