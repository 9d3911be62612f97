using System.Runtime.CompilerServices;

namespace Kron.Core.Cron;

/// <summary>How a local wall-clock minute maps to instants in a zone.</summary>
internal enum LocalTimeKind
{
    /// <summary>One instant.</summary>
    Unique,

    /// <summary>Two instants: the clock went back and shows this minute twice.</summary>
    Repeated,

    /// <summary>No instant: the clock jumped forward over this minute.</summary>
    Skipped,
}

/// <summary>The instants of one local minute. For <see cref="LocalTimeKind.Skipped"/>, <see cref="First"/> is the
/// transition instant (the first instant after the gap) and <see cref="GapEndLocalTicks"/> its local time.</summary>
internal readonly record struct LocalTimeMapping(LocalTimeKind Kind, long First, long Second, long JumpTicks, long GapEndLocalTicks);

/// <summary>
/// Offsets and transitions of a zone, using only <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/> of UTC instants,
/// which is well defined for every instant. Gaps and overlaps are derived from it, so the engine and any reference
/// model built on the same call agree on what the zone does. Assumes a zone changes its offset at most once within
/// 30 hours, which holds for every zone in the tz database since 1970.
/// </summary>
internal static class ZoneOffsets
{
    public const long ProbeTicks = 15 * TimeSpan.TicksPerHour;

    private static readonly ConditionalWeakTable<TimeZoneInfo, StrongBox<bool>> FixedZones = [];

    /// <summary>The zone never changes its offset (UTC, Etc/GMT+5, ...).</summary>
    public static bool IsFixed(TimeZoneInfo zone)
    {
        if (ReferenceEquals(zone, TimeZoneInfo.Utc))
        {
            return true;
        }

        return FixedZones.GetValue(zone, static z => new StrongBox<bool>(z.GetAdjustmentRules().Length == 0)).Value;
    }

    /// <summary>The zone's UTC offset at an instant, in ticks.</summary>
    public static long OffsetAt(TimeZoneInfo zone, long utcTicks)
    {
        var clamped = Math.Clamp(utcTicks, DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks);
        return zone.GetUtcOffset(new DateTime(clamped, DateTimeKind.Utc)).Ticks;
    }

    /// <summary>Maps a local wall-clock time to the instants that show it.</summary>
    public static LocalTimeMapping Resolve(TimeZoneInfo zone, long localTicks)
    {
        var before = OffsetAt(zone, localTicks - ProbeTicks);
        var after = OffsetAt(zone, localTicks + ProbeTicks);
        if (before == after)
        {
            return new LocalTimeMapping(LocalTimeKind.Unique, localTicks - before, 0, 0, 0);
        }

        long early = localTicks - before, late = localTicks - after;
        var earlyValid = OffsetAt(zone, early) == before;
        var lateValid = OffsetAt(zone, late) == after;
        if (earlyValid && lateValid)
        {
            return new LocalTimeMapping(LocalTimeKind.Repeated, Math.Min(early, late), Math.Max(early, late), before - after, 0);
        }

        if (earlyValid || lateValid)
        {
            return new LocalTimeMapping(LocalTimeKind.Unique, earlyValid ? early : late, 0, 0, 0);
        }

        // Forward jump: late (offset "before" there) < transition <= early (offset "after" there).
        var transition = FindTransition(zone, late, early);
        return new LocalTimeMapping(LocalTimeKind.Skipped, transition, 0, after - before, transition + after);
    }

    /// <summary>
    /// The first instant in (<paramref name="low"/>, <paramref name="high"/>] whose offset is the offset at
    /// <paramref name="high"/>, given that the offsets at the two ends differ. Transitions fall on whole seconds.
    /// </summary>
    public static long FindTransition(TimeZoneInfo zone, long low, long high)
    {
        var target = OffsetAt(zone, high);
        long lowSeconds = low / TimeSpan.TicksPerSecond, highSeconds = (high + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;
        while (highSeconds - lowSeconds > 1)
        {
            var mid = lowSeconds + ((highSeconds - lowSeconds) / 2);
            if (OffsetAt(zone, mid * TimeSpan.TicksPerSecond) == target)
            {
                highSeconds = mid;
            }
            else
            {
                lowSeconds = mid;
            }
        }

        return Math.Max(highSeconds * TimeSpan.TicksPerSecond, low + 1);
    }
}
