using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// The slow, obvious reading of spec/cron.md Part A, independent of the engine's search: walk real UTC instants one
/// minute at a time, map each to local wall-clock time with <see cref="TimeZoneInfo.GetUtcOffset(DateTime)"/>, ask
/// <see cref="CronPattern.Matches"/> whether that local minute matches, and apply the daylight-saving rules R1 to R5
/// whenever the offset changes between two consecutive minutes.
/// </summary>
internal static class CronReferenceModel
{
    /// <summary>Forward or backward jumps larger than this are clock corrections: no R2 catch-up, no R4 suppression.</summary>
    private static readonly TimeSpan MaxDaylightJump = TimeSpan.FromHours(3);

    /// <summary>How far before the start the walk begins, so that a repeated interval already under way is known.</summary>
    private static readonly TimeSpan LeadIn = MaxDaylightJump + TimeSpan.FromMinutes(1);

    /// <summary>
    /// Up to <paramref name="max"/> occurrences strictly after <paramref name="after"/> and at or before
    /// <paramref name="windowEnd"/>, each with the zone's offset at that instant.
    /// </summary>
    public static List<DateTimeOffset> Occurrences(
        CronExpression expression, TimeZoneInfo zone, DateTimeOffset after, DateTimeOffset windowEnd, int max) =>
        Occurrences(expression, zone, after, windowEnd, max, out _);

    /// <summary>
    /// As above, and also says which daylight-saving rules decided something after the start, so that a test can show
    /// its random cases really exercise them.
    /// </summary>
    public static List<DateTimeOffset> Occurrences(
        CronExpression expression, TimeZoneInfo zone, DateTimeOffset after, DateTimeOffset windowEnd, int max, out DstRules applied)
    {
        applied = DstRules.None;
        var fixedTime = expression.IsFixedTime;
        var found = new List<DateTimeOffset>();
        var start = FloorToMinute(after.UtcDateTime) - LeadIn;
        var end = windowEnd.UtcDateTime;

        var previousOffset = zone.GetUtcOffset(start.AddMinutes(-1));
        var repeatedUntil = DateTime.MinValue; // local end of the latest repeated interval
        var repeatedJump = TimeSpan.Zero;

        for (var utc = start; utc <= end && found.Count < max; utc = utc.AddMinutes(1))
        {
            var offset = zone.GetUtcOffset(utc);
            var local = DateTime.SpecifyKind(utc + offset, DateTimeKind.Unspecified);
            var fires = false;

            if (offset > previousOffset)
            {
                // Forward jump: local minutes [utc + previousOffset, utc + offset) never happen. R2 for fixed-time
                // expressions: every match in the gap fires once, now; R3 for wildcard ones: they are dropped.
                var jump = offset - previousOffset;
                var skippedMatch = false;
                for (var skipped = local - jump; skipped < local && !skippedMatch; skipped = skipped.AddMinutes(1))
                {
                    skippedMatch = expression.Pattern.Matches(skipped);
                }

                var catchUp = fixedTime && jump <= MaxDaylightJump;
                fires = skippedMatch && catchUp;
                applied |= skippedMatch && utc > after.UtcDateTime ? (catchUp ? DstRules.R2 : DstRules.R3) : DstRules.None;
            }
            else if (offset < previousOffset)
            {
                // Backward jump: local minutes [utc + offset, utc + previousOffset) are shown a second time.
                repeatedUntil = DateTime.SpecifyKind(utc + previousOffset, DateTimeKind.Unspecified);
                repeatedJump = previousOffset - offset;
            }

            if (expression.Pattern.Matches(local))
            {
                // R1, R5; R4: a fixed-time expression does not fire at the second showing of a minute.
                var secondShowing = local < repeatedUntil;
                var bothShowings = !fixedTime || repeatedJump > MaxDaylightJump;
                fires |= !secondShowing || bothShowings;
                applied |= secondShowing && utc > after.UtcDateTime ? (bothShowings ? DstRules.R5 : DstRules.R4) : DstRules.None;
            }

            if (fires && utc > after.UtcDateTime)
            {
                found.Add(new DateTimeOffset(utc).ToOffset(offset));
            }

            previousOffset = offset;
        }

        return found;
    }

    private static DateTime FloorToMinute(DateTime utc) =>
        new(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
}

/// <summary>The daylight-saving rules of spec/cron.md Part A that can decide an occurrence.</summary>
[Flags]
internal enum DstRules
{
    None = 0,
    R2 = 1,
    R3 = 2,
    R4 = 4,
    R5 = 8,
}
