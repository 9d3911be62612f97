using Kron.Core.Cron;

namespace Kron.Core.Scheduling;

/// <summary>
/// When a job runs: once at an instant (<see cref="OneTimeSchedule"/>), on a cron expression in a time zone
/// (<see cref="CronSchedule"/>) or at a fixed interval (<see cref="IntervalSchedule"/>). Pure: the caller passes the
/// instant to search from.
/// </summary>
public abstract class Schedule
{
    private protected Schedule()
    {
    }

    /// <summary>The first slot strictly after <paramref name="after"/>, or <see langword="null"/> when none is left.</summary>
    public abstract DateTimeOffset? GetNextOccurrence(DateTimeOffset after);

    /// <summary>A schedule that fires once, at <paramref name="at"/>.</summary>
    public static OneTimeSchedule At(DateTimeOffset at) => new(at);

    /// <summary>A schedule that fires on a cron expression, matched in <paramref name="zone"/>.</summary>
    public static CronSchedule Cron(CronExpression expression, TimeZoneInfo zone) => new(expression, zone);

    /// <summary>A schedule that fires every <paramref name="interval"/>, on the grid anchored at <paramref name="anchor"/>.</summary>
    public static IntervalSchedule Every(TimeSpan interval, DateTimeOffset anchor) => new(interval, anchor);
}

/// <summary>Fires once, at <see cref="Instant"/>.</summary>
public sealed class OneTimeSchedule : Schedule
{
    internal OneTimeSchedule(DateTimeOffset instant) => Instant = instant;

    /// <summary>The one slot.</summary>
    public DateTimeOffset Instant { get; }

    /// <inheritdoc />
    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => Instant > after ? Instant : null;
}

/// <summary>Fires on a cron expression in a time zone, with the daylight-saving rules of <see cref="CronExpression"/>.</summary>
public sealed class CronSchedule : Schedule
{
    internal CronSchedule(CronExpression expression, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(expression);
        ArgumentNullException.ThrowIfNull(zone);
        Expression = expression;
        Zone = zone;
    }

    /// <summary>The expression.</summary>
    public CronExpression Expression { get; }

    /// <summary>The zone whose wall clock the fields are matched against.</summary>
    public TimeZoneInfo Zone { get; }

    /// <inheritdoc />
    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after) => Expression.GetNextOccurrence(after, Zone);
}

/// <summary>
/// Fires at <see cref="Anchor"/> + k × <see cref="Interval"/> for k = 0, 1, 2, ...: a fixed grid, so a late or slow
/// run never shifts the slots after it. Intervals are exact durations; they ignore daylight saving.
/// </summary>
public sealed class IntervalSchedule : Schedule
{
    /// <summary>The shortest interval accepted.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    internal IntervalSchedule(TimeSpan interval, DateTimeOffset anchor)
    {
        if (interval < MinInterval)
        {
            throw new ArgumentOutOfRangeException(nameof(interval), interval, $"An interval must be at least {MinInterval.TotalSeconds:0} second.");
        }

        Interval = interval;
        Anchor = anchor;
    }

    /// <summary>The time between slots.</summary>
    public TimeSpan Interval { get; }

    /// <summary>The first slot; every other slot is a whole number of intervals after it.</summary>
    public DateTimeOffset Anchor { get; }

    /// <inheritdoc />
    public override DateTimeOffset? GetNextOccurrence(DateTimeOffset after)
    {
        if (after < Anchor)
        {
            return Anchor;
        }

        // In 128 bits, so that an interval near TimeSpan.MaxValue ends the schedule instead of overflowing.
        var steps = ((Int128)(after - Anchor).Ticks / Interval.Ticks) + 1;
        var ticks = Anchor.UtcTicks + (steps * Interval.Ticks);
        var latest = DateTimeOffset.MaxValue.UtcTicks - Math.Max(0, Anchor.Offset.Ticks);
        return ticks > latest ? null : new DateTimeOffset((long)ticks, TimeSpan.Zero).ToOffset(Anchor.Offset);
    }
}
