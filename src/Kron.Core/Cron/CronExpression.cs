using System.Diagnostics.CodeAnalysis;

namespace Kron.Core.Cron;

/// <summary>
/// A five-field cron expression with Vixie/cronie semantics (<c>spec/cron.md</c> Part A): names, steps, lists, 0 and 7
/// for Sunday, macros, cronie's first-character rule for day-of-month and day-of-week, the extensions <c>a/n</c>,
/// <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>nW</c>, <c>dL</c>, <c>d#n</c>, <c>?</c> and <c>H</c>, and the daylight-saving
/// rules R1 to R5 in any IANA zone. Immutable and thread-safe; occurrences are computed without reading a clock.
/// </summary>
/// <remarks>
/// Daylight saving, in the schedule's zone (see <c>src/Kron.Core/Cron/README.md</c>):
/// R1 every existing, unambiguous local minute that matches fires;
/// R2 a fixed-time expression (neither minute nor hour starts with <c>*</c>) whose matches fall in a skipped interval
/// fires once, at the transition instant;
/// R3 a wildcard expression's matches in a skipped interval are dropped;
/// R4 in a repeated interval a fixed-time expression fires only at the first occurrence;
/// R5 in a repeated interval a wildcard expression fires at both.
/// Jumps of more than three hours are clock corrections, not daylight saving: every expression then behaves as a
/// wildcard one (cronie's R6).
/// </remarks>
public sealed class CronExpression
{
    private const long MinuteTicks = TimeSpan.TicksPerMinute;
    private const long DayTicks = TimeSpan.TicksPerDay;
    private static readonly long MaxDaylightJump = TimeSpan.FromHours(3).Ticks;
    private static readonly long LastSearchableTicks = new DateTime(CronPattern.MaxYear, 12, 31, 23, 59, 0).Ticks;
    private static readonly long FirstSearchableTicks = new DateTime(1, 1, 3).Ticks;

    private CronExpression(string text, CronPattern pattern)
    {
        Text = text;
        Pattern = pattern;
    }

    /// <summary>The expression as it was written, without surrounding white space.</summary>
    public string Text { get; }

    /// <summary>
    /// Whether the expression is fixed-time (neither the minute nor the hour field starts with <c>*</c>): R2 and R4
    /// apply to it. <c>@hourly</c> is not fixed-time; <c>@daily</c> is.
    /// </summary>
    public bool IsFixedTime => !Pattern.WildcardTime;

    /// <summary>Whether no calendar date can ever match, as in <c>0 0 30 2 *</c>: such an expression never fires.</summary>
    public bool NeverFires => Pattern.NeverFires;

    internal CronPattern Pattern { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="expression">Five fields or a macro, for example <c>*/15 9-17 * * mon-fri</c> or <c>@daily</c>.</param>
    /// <param name="hashSeed">The job's identity for <c>H</c> fields; the same seed always gives the same values.</param>
    /// <exception cref="CronFormatException">The expression is invalid; the message says which field and why.</exception>
    public static CronExpression Parse(string expression, string? hashSeed = null)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new CronExpression(expression.Trim(), CronParser.Parse(expression, hashSeed));
    }

    /// <summary>Parses an expression, or says why it is invalid.</summary>
    public static bool TryParse(
        string expression,
        string? hashSeed,
        [NotNullWhen(true)] out CronExpression? result,
        [NotNullWhen(false)] out CronFormatException? error)
    {
        ArgumentNullException.ThrowIfNull(expression);
        try
        {
            result = Parse(expression, hashSeed);
            error = null;
            return true;
        }
        catch (CronFormatException e)
        {
            result = null;
            error = e;
            return false;
        }
    }

    /// <summary>Parses an expression without <c>H</c> seed, or returns <see langword="false"/>.</summary>
    public static bool TryParse(string expression, [NotNullWhen(true)] out CronExpression? result) =>
        TryParse(expression, null, out result, out _);

    /// <summary>
    /// The first occurrence strictly after <paramref name="from"/> (or at it, when <paramref name="inclusive"/>), with
    /// the zone's UTC offset at that instant, or <see langword="null"/> when there is none.
    /// </summary>
    public DateTimeOffset? GetNextOccurrence(DateTimeOffset from, TimeZoneInfo zone, bool inclusive = false)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var next = NextAfter(inclusive ? from.UtcTicks - 1 : from.UtcTicks, zone);
        return next < 0 ? null : ToZoned(next, zone);
    }

    /// <summary>The last occurrence strictly before <paramref name="before"/>, or <see langword="null"/>.</summary>
    public DateTimeOffset? GetPreviousOccurrence(DateTimeOffset before, TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        var end = before.UtcTicks;
        // Widen a window backwards until it holds an occurrence, then bisect for the last one. Every step is a
        // forward search, so previous and next agree on the same set of instants, daylight saving included.
        for (var width = MinuteTicks; ; width *= 2)
        {
            var start = Math.Max(FirstSearchableTicks, end - width);
            var first = NextAfter(start - 1, zone);
            if (first >= 0 && first < end)
            {
                return ToZoned(LastBefore(first, end, zone), zone);
            }

            if (start == FirstSearchableTicks || width > 500 * 366 * DayTicks)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// The occurrences from <paramref name="from"/> to <paramref name="to"/>, in order, each with the zone's offset.
    /// </summary>
    public IEnumerable<DateTimeOffset> GetOccurrences(
        DateTimeOffset from,
        DateTimeOffset to,
        TimeZoneInfo zone,
        bool fromInclusive = true,
        bool toInclusive = false)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return Enumerate(from, to, zone, fromInclusive, toInclusive);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private IEnumerable<DateTimeOffset> Enumerate(DateTimeOffset from, DateTimeOffset to, TimeZoneInfo zone, bool fromInclusive, bool toInclusive)
    {
        var end = to.UtcTicks;
        for (var next = GetNextOccurrence(from, zone, fromInclusive); next is { } n; next = GetNextOccurrence(n, zone))
        {
            if (n.UtcTicks > end || (!toInclusive && n.UtcTicks == end))
            {
                yield break;
            }

            yield return n;
        }
    }

    private long LastBefore(long occurrence, long end, TimeZoneInfo zone)
    {
        // Invariant: occurrence < end is an occurrence, and the answer lies in [occurrence, end).
        while (true)
        {
            var next = NextAfter(occurrence, zone);
            if (next < 0 || next >= end)
            {
                return occurrence;
            }

            var middle = next + ((end - next) / 2);
            var probe = NextAfter(middle - 1, zone);
            if (probe >= 0 && probe < end)
            {
                occurrence = probe;
            }
            else
            {
                occurrence = next;
                end = middle;
            }
        }
    }

    /// <summary>The first occurrence strictly after <paramref name="after"/> (UTC ticks), or -1.</summary>
    private long NextAfter(long after, TimeZoneInfo zone)
    {
        if (Pattern.NeverFires)
        {
            return -1;
        }

        after = Math.Max(after, FirstSearchableTicks);
        if (ZoneOffsets.IsFixed(zone))
        {
            var offset = zone.BaseUtcOffset.Ticks;
            var local = NextLocal(FloorToMinute(after + offset) + MinuteTicks);
            return local < 0 ? -1 : local - offset;
        }

        var offsetAtStart = ZoneOffsets.OffsetAt(zone, after);
        var localStart = after + offsetAtStart;
        var searchFrom = FloorToMinute(localStart) + MinuteTicks;

        // Inside the first pass of a repeated interval, the second pass holds local minutes before searchFrom.
        var offsetLater = ZoneOffsets.OffsetAt(zone, after + DayTicks);
        // S is in a first pass only if the transition T comes within the jump: T + later <= S + start.
        var jump = offsetAtStart - offsetLater;
        if (offsetLater < offsetAtStart && ZoneOffsets.OffsetAt(zone, after + jump) == offsetLater)
        {
            var transition = ZoneOffsets.FindTransition(zone, after, after + jump);
            if (transition + offsetLater <= localStart)
            {
                var local = NextLocal(searchFrom);
                if (local >= 0 && local < transition + offsetAtStart)
                {
                    return local - offsetAtStart;
                }

                searchFrom = FiresTwiceWhenRepeated(offsetAtStart - offsetLater) ? transition + offsetLater : transition + offsetAtStart;
            }
        }

        while (true)
        {
            var local = NextLocal(searchFrom);
            if (local < 0)
            {
                return -1;
            }

            var mapping = ZoneOffsets.Resolve(zone, local);
            switch (mapping.Kind)
            {
                case LocalTimeKind.Unique when mapping.First > after:
                    return mapping.First;
                case LocalTimeKind.Repeated when mapping.First > after:
                    return mapping.First;
                case LocalTimeKind.Repeated when mapping.Second > after && FiresTwiceWhenRepeated(mapping.JumpTicks):
                    return mapping.Second;
                case LocalTimeKind.Skipped:
                    if (!Pattern.WildcardTime && mapping.JumpTicks <= MaxDaylightJump && mapping.First > after)
                    {
                        return mapping.First; // R2: once, at the transition, for all matches in the gap
                    }

                    searchFrom = Math.Max(mapping.GapEndLocalTicks, local + MinuteTicks); // R3: dropped
                    continue;
            }

            searchFrom = local + MinuteTicks;
        }
    }

    private bool FiresTwiceWhenRepeated(long jumpTicks) => Pattern.WildcardTime || jumpTicks > MaxDaylightJump;

    /// <summary>The first matching local minute at or after <paramref name="localTicks"/>, or -1.</summary>
    private long NextLocal(long localTicks)
    {
        if (localTicks > LastSearchableTicks)
        {
            return -1;
        }

        var local = Pattern.NextLocalMatch(new DateTime(FloorToMinute(localTicks) == localTicks ? localTicks : FloorToMinute(localTicks) + MinuteTicks));
        return local is { } l ? l.Ticks : -1;
    }

    private static long FloorToMinute(long ticks) => ticks - (ticks % MinuteTicks);

    private static DateTimeOffset ToZoned(long utcTicks, TimeZoneInfo zone)
    {
        var offset = ZoneOffsets.OffsetAt(zone, utcTicks);
        if (offset % MinuteTicks != 0)
        {
            offset = 0; // DateTimeOffset needs whole minutes; only pre-1900 local mean times have seconds.
        }

        return new DateTimeOffset(utcTicks + offset, TimeSpan.FromTicks(offset));
    }
}
