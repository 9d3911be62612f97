using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// Daylight-saving rules R1 to R5 in zones with one-hour, half-hour and midnight transitions, then previous
/// occurrences and ranges. 2025 transitions: New York 03-09 02:00→03:00 and 11-02 02:00→01:00; London 03-30
/// 01:00→02:00 and 10-26 02:00→01:00; Lord Howe 04-06 02:00→01:30 and 10-05 02:00→02:30; Santiago 04-06 00:00→
/// 04-05 23:00 and 09-07 00:00→01:00.
/// </summary>
public sealed partial class CronExpressionSpecTests
{
    [Theory]
    // R2: fixed-time matches in the gap fire once at the transition, coalesced with each other and a real match.
    [InlineData("0 2 * * *", "America/New_York", "2025-03-08T12:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:00-04:00", "2025-03-11T02:00-04:00")]
    [InlineData("0,30 2 * * *", "America/New_York", "2025-03-08T12:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:00-04:00", "2025-03-10T02:30-04:00")]
    [InlineData("0,30 2-3 * * *", "America/New_York", "2025-03-09T00:00-05:00", "2025-03-09T03:00-04:00", "2025-03-09T03:30-04:00", "2025-03-10T02:00-04:00")]
    [InlineData("59 1,2 * * *", "America/New_York", "2025-03-09T00:00-05:00", "2025-03-09T01:59-05:00", "2025-03-09T03:00-04:00", "2025-03-10T01:59-04:00")]
    [InlineData("0 3 * * *", "America/New_York", "2025-03-09T00:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T03:00-04:00", "2025-03-11T03:00-04:00")]
    [InlineData("30 2 9 3 *", "America/New_York", "2025-01-01T00:00-05:00", "2025-03-09T03:00-04:00", "2026-03-09T02:30-04:00", "2027-03-09T02:30-05:00")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-09T01:59:30-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00", "2025-03-12T02:30-04:00")]
    [InlineData("H(2-2) 2 * * *", "America/New_York", "2025-03-08T12:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:02-04:00", "2025-03-11T02:02-04:00")]
    // R3: wildcard matches in the gap are dropped.
    [InlineData("@hourly", "America/New_York", "2025-03-09T00:30-05:00", "2025-03-09T01:00-05:00", "2025-03-09T03:00-04:00", "2025-03-09T04:00-04:00")]
    [InlineData("* 2 * * *", "America/New_York", "2025-03-09T00:00-05:00", "2025-03-10T02:00-04:00", "2025-03-10T02:01-04:00", "2025-03-10T02:02-04:00")]
    [InlineData("*/20 2 * * *", "America/New_York", "2025-03-09T00:00-05:00", "2025-03-10T02:00-04:00", "2025-03-10T02:20-04:00", "2025-03-10T02:40-04:00")]
    [InlineData("*/30 * * * *", "America/New_York", "2025-03-09T01:00-05:00", "2025-03-09T01:30-05:00", "2025-03-09T03:00-04:00", "2025-03-09T03:30-04:00")]
    // R4: fixed-time fires only at the first of a repeated minute; R5: wildcard fires at both.
    [InlineData("0 1-2 * * *", "America/New_York", "2025-11-02T00:00-04:00", "2025-11-02T01:00-04:00", "2025-11-02T02:00-05:00", "2025-11-03T01:00-05:00")]
    [InlineData("@hourly", "America/New_York", "2025-11-02T00:30-04:00", "2025-11-02T01:00-04:00", "2025-11-02T01:00-05:00", "2025-11-02T02:00-05:00")]
    [InlineData("*/30 1 * * *", "America/New_York", "2025-11-02T00:00-04:00", "2025-11-02T01:00-04:00", "2025-11-02T01:30-04:00", "2025-11-02T01:00-05:00")]
    [InlineData("*/30 1 * * *", "America/New_York", "2025-11-02T01:40-04:00", "2025-11-02T01:00-05:00", "2025-11-02T01:30-05:00", "2025-11-03T01:00-05:00")]
    [InlineData("30 1 * * *", "America/New_York", "2025-11-02T01:10-05:00", "2025-11-03T01:30-05:00", "2025-11-04T01:30-05:00", "2025-11-05T01:30-05:00")]
    [InlineData("30 1 * * *", "America/New_York", "2025-11-02T01:40-04:00", "2025-11-03T01:30-05:00", "2025-11-04T01:30-05:00", "2025-11-05T01:30-05:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T01:10-05:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00", "2025-11-02T03:30-05:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00", "2025-11-02T03:30-05:00")]
    [InlineData("0,59 0-2 * * *", "America/New_York", "2025-11-02T01:30-04:00", "2025-11-02T01:59-04:00", "2025-11-02T02:00-05:00", "2025-11-02T02:59-05:00")]
    // Europe/London: gap 01:00-02:00 in spring, repeat 01:00-02:00 in autumn.
    [InlineData("30 1 * * *", "Europe/London", "2025-03-29T12:00Z", "2025-03-30T02:00+01:00", "2025-03-31T01:30+01:00", "2025-04-01T01:30+01:00")]
    [InlineData("30 1 * * *", "Europe/London", "2025-10-25T12:00+01:00", "2025-10-26T01:30+01:00", "2025-10-27T01:30+00:00", "2025-10-28T01:30+00:00")]
    [InlineData("*/30 1 * * *", "Europe/London", "2025-10-26T00:45+01:00", "2025-10-26T01:00+01:00", "2025-10-26T01:30+01:00", "2025-10-26T01:00+00:00")]
    [InlineData("* 1 * * *", "Europe/London", "2025-03-30T00:58Z", "2025-03-31T01:00+01:00", "2025-03-31T01:01+01:00", "2025-03-31T01:02+01:00")]
    // Australia/Lord_Howe: half-hour gap 02:00-02:30 in October, half-hour repeat 01:30-02:00 in April.
    [InlineData("45 1 * * *", "Australia/Lord_Howe", "2025-04-05T12:00+11:00", "2025-04-06T01:45+11:00", "2025-04-07T01:45+10:30", "2025-04-08T01:45+10:30")]
    [InlineData("*/15 1 * * *", "Australia/Lord_Howe", "2025-04-06T01:40+11:00", "2025-04-06T01:45+11:00", "2025-04-06T01:30+10:30", "2025-04-06T01:45+10:30")]
    [InlineData("*/15 2 * * *", "Australia/Lord_Howe", "2025-10-05T01:50+10:30", "2025-10-05T02:30+11:00", "2025-10-05T02:45+11:00", "2025-10-06T02:00+11:00")]
    [InlineData("0,15 2 * * *", "Australia/Lord_Howe", "2025-10-05T01:50+10:30", "2025-10-05T02:30+11:00", "2025-10-06T02:00+11:00", "2025-10-06T02:15+11:00")]
    [InlineData("30 2 * * *", "Australia/Lord_Howe", "2025-10-05T01:50+10:30", "2025-10-05T02:30+11:00", "2025-10-06T02:30+11:00", "2025-10-07T02:30+11:00")]
    // America/Santiago: transitions at local midnight, so the gap and the repeat cross the date.
    [InlineData("0 0 * * *", "America/Santiago", "2025-09-06T12:00-04:00", "2025-09-07T01:00-03:00", "2025-09-08T00:00-03:00", "2025-09-09T00:00-03:00")]
    [InlineData("@daily", "America/Santiago", "2025-09-06T12:00-04:00", "2025-09-07T01:00-03:00", "2025-09-08T00:00-03:00", "2025-09-09T00:00-03:00")]
    [InlineData("30 0 * * sun", "America/Santiago", "2025-09-01T00:00-04:00", "2025-09-07T01:00-03:00", "2025-09-14T00:30-03:00", "2025-09-21T00:30-03:00")]
    [InlineData("0 0 6 9 *", "America/Santiago", "2025-09-01T00:00-04:00", "2025-09-06T00:00-04:00", "2026-09-06T01:00-03:00", "2027-09-06T00:00-03:00")]
    [InlineData("@hourly", "America/Santiago", "2025-09-06T22:30-04:00", "2025-09-06T23:00-04:00", "2025-09-07T01:00-03:00", "2025-09-07T02:00-03:00")]
    [InlineData("0 23 * * *", "America/Santiago", "2025-04-05T12:00-03:00", "2025-04-05T23:00-03:00", "2025-04-06T23:00-04:00", "2025-04-07T23:00-04:00")]
    [InlineData("0 * * * *", "America/Santiago", "2025-04-05T21:30-03:00", "2025-04-05T22:00-03:00", "2025-04-05T23:00-03:00", "2025-04-05T23:00-04:00")]
    [InlineData("30 23 5 4 *", "America/Santiago", "2025-04-05T23:40-03:00", "2026-04-05T23:30-04:00", "2027-04-05T23:30-04:00", "2028-04-05T23:30-04:00")]
    // Jumps of more than three hours are clock corrections (R6): no catch-up in a gap, both passes of a repeat fire.
    [InlineData("0 12 * * *", "Pacific/Apia", "2011-12-29T00:00-10:00", "2011-12-29T12:00-10:00", "2011-12-31T12:00+14:00", "2012-01-01T12:00+14:00")]
    [InlineData("0 0 30 12 *", "Pacific/Apia", "2011-12-01T00:00-10:00", "2012-12-30T00:00+14:00", "2013-12-30T00:00+14:00", "2014-12-30T00:00+14:00")]
    [InlineData("0 0 * * *", "Pacific/Apia", "2011-12-29T12:00-10:00", "2011-12-31T00:00+14:00", "2012-01-01T00:00+14:00", "2012-01-02T00:00+14:00")]
    [InlineData("0 12 * * *", "Pacific/Kwajalein", "1969-09-29T12:00+11:00", "1969-09-30T12:00+11:00", "1969-09-30T12:00-12:00", "1969-10-01T12:00-12:00")]
    [InlineData("0 0 22 8 *", "Pacific/Kwajalein", "1993-08-01T00:00-12:00", "1993-08-22T00:00+12:00", "1994-08-22T00:00+12:00", "1995-08-22T00:00+12:00")]
    [InlineData("0 12 21 8 *", "Pacific/Kwajalein", "1993-08-01T00:00-12:00", "1994-08-21T12:00+12:00", "1995-08-21T12:00+12:00", "1996-08-21T12:00+12:00")]
    // Zones without daylight saving, and UTC written with other offsets.
    [InlineData("30 2 * * *", "Asia/Kolkata", "2025-03-09T00:00+05:30", "2025-03-09T02:30+05:30", "2025-03-10T02:30+05:30", "2025-03-11T02:30+05:30")]
    [InlineData("30 2 * * *", "UTC", "2025-03-08T21:00-05:00", "2025-03-09T02:30Z", "2025-03-10T02:30Z", "2025-03-11T02:30Z")]
    public void GetNextOccurrence_DaylightSaving_FollowsRulesR1ToR5(string expression, string zone, string after, string first, string second, string third) =>
        AssertNext(expression, zone, after, first, second, third);

    [Theory]
    [InlineData("*/15 * * * *", "UTC", "2025-01-01T00:15Z", "2025-01-01T00:00Z")]
    [InlineData("*/15 * * * *", "UTC", "2025-01-01T00:15:30Z", "2025-01-01T00:15Z")]
    [InlineData("*/15 * * * *", "UTC", "2025-01-01T00:00Z", "2024-12-31T23:45Z")]
    [InlineData("0 0 29 2 *", "UTC", "2025-01-01T00:00Z", "2024-02-29T00:00Z")]
    [InlineData("0 0 29 2 *", "UTC", "2104-01-01T00:00Z", "2096-02-29T00:00Z")]
    [InlineData("0 0 * * 6#5", "UTC", "2025-03-01T00:00Z", "2024-11-30T00:00Z")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-10T00:00-04:00", "2025-03-09T03:00-04:00")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-09T03:00-04:00", "2025-03-08T02:30-05:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T02:00-05:00", "2025-11-02T01:30-05:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T01:30-05:00", "2025-11-02T01:30-04:00")]
    [InlineData("30 1 * * *", "America/New_York", "2025-11-03T00:00-05:00", "2025-11-02T01:30-04:00")]
    [InlineData("@hourly", "America/New_York", "2025-03-09T03:00-04:00", "2025-03-09T01:00-05:00")]
    [InlineData("0 0 * * *", "America/Santiago", "2025-09-07T12:00-03:00", "2025-09-07T01:00-03:00")]
    [InlineData("0 0 30 2 *", "UTC", "2025-01-01T00:00Z", "none")]
    public void GetPreviousOccurrence_Start_IsTheLastOccurrenceStrictlyBefore(string expression, string zone, string before, string expected)
    {
        var previous = CronExpression.Parse(expression).GetPreviousOccurrence(Instants.Parse(before), Instants.Zone(zone));
        Assert.Equal(expected == "none" ? Instants.Show(null) : Instants.Show(Instants.Parse(expected)), Instants.Show(previous));
    }

    [Theory]
    [InlineData(true, false, "2025-01-01T00:00Z", "2025-01-01T01:00Z", "2025-01-01T02:00Z")]
    [InlineData(false, false, "2025-01-01T01:00Z", "2025-01-01T02:00Z")]
    [InlineData(true, true, "2025-01-01T00:00Z", "2025-01-01T01:00Z", "2025-01-01T02:00Z", "2025-01-01T03:00Z")]
    [InlineData(false, true, "2025-01-01T01:00Z", "2025-01-01T02:00Z", "2025-01-01T03:00Z")]
    public void GetOccurrences_Bounds_HonourTheInclusiveFlags(bool fromInclusive, bool toInclusive, params string[] expected)
    {
        var occurrences = CronExpression.Parse("0 * * * *").GetOccurrences(
            Instants.Parse("2025-01-01T00:00Z"), Instants.Parse("2025-01-01T03:00Z"), TimeZoneInfo.Utc, fromInclusive, toInclusive);
        Assert.Equal(Instants.ShowAll(expected), occurrences.Select(o => Instants.Show(o)));
    }

    [Fact]
    public void GetOccurrences_AcrossTheAutumnRepeat_ListsBothPassesForWildcards()
    {
        var zone = Instants.Zone("America/New_York");
        var occurrences = CronExpression.Parse("30 * * * *").GetOccurrences(
            Instants.Parse("2025-11-02T00:00-04:00"), Instants.Parse("2025-11-02T03:00-05:00"), zone);
        string[] expected = ["2025-11-02T00:30-04:00", "2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00"];
        Assert.Equal(Instants.ShowAll(expected), occurrences.Select(o => Instants.Show(o)));
    }

    [Fact]
    public void GetOccurrences_AcrossTheSpringGap_ListsTheCatchUpOnce()
    {
        var zone = Instants.Zone("America/New_York");
        var occurrences = CronExpression.Parse("0,15,30,45 2 * * *").GetOccurrences(
            Instants.Parse("2025-03-08T00:00-05:00"), Instants.Parse("2025-03-10T00:00-04:00"), zone);
        string[] expected =
        [
            "2025-03-08T02:00-05:00", "2025-03-08T02:15-05:00", "2025-03-08T02:30-05:00", "2025-03-08T02:45-05:00",
            "2025-03-09T03:00-04:00",
        ];
        Assert.Equal(Instants.ShowAll(expected), occurrences.Select(o => Instants.Show(o)));
    }

    [Fact]
    public void GetOccurrences_EmptyRange_IsEmpty()
    {
        var expression = CronExpression.Parse("* * * * *");
        var at = Instants.Parse("2025-01-01T00:00Z");
        Assert.Empty(expression.GetOccurrences(at, at, TimeZoneInfo.Utc));
        Assert.Empty(expression.GetOccurrences(at.AddMinutes(5), at, TimeZoneInfo.Utc));
        Assert.Single(expression.GetOccurrences(at, at, TimeZoneInfo.Utc, fromInclusive: true, toInclusive: true));
    }

    [Fact]
    public void GetPreviousOccurrence_ChainedBackwards_MirrorsNextOccurrences()
    {
        var expression = CronExpression.Parse("*/20 1-2 * * *");
        var zone = Instants.Zone("America/New_York");
        var forward = expression.GetOccurrences(Instants.Parse("2025-11-01T00:00-04:00"), Instants.Parse("2025-11-04T00:00-05:00"), zone).ToList();
        var backward = new List<DateTimeOffset>();
        for (var p = expression.GetPreviousOccurrence(Instants.Parse("2025-11-04T00:00-05:00"), zone);
            p is { } v && v >= Instants.Parse("2025-11-01T00:00-04:00");
            p = expression.GetPreviousOccurrence(v, zone))
        {
            backward.Add(v);
        }

        backward.Reverse();
        Assert.Equal(forward.Select(o => Instants.Show(o)), backward.Select(o => Instants.Show(o)));
        Assert.Equal(21, forward.Count);
    }
}
