using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// spec/cron.md Part A, as tables: the spec's own examples, then cases derived from each rule. Every row gives the
/// next three occurrences, compared as local time plus offset, so both the instant and the offset are checked.
/// </summary>
public sealed partial class CronExpressionSpecTests
{
    [Theory]
    [InlineData("*/15 * * * *", "UTC", "2025-01-01T00:07:30Z", "2025-01-01T00:15Z", "2025-01-01T00:30Z", "2025-01-01T00:45Z")]
    [InlineData("0 0 */2 * *", "UTC", "2025-01-30T12:00Z", "2025-01-31T00:00Z", "2025-02-01T00:00Z", "2025-02-03T00:00Z")]
    [InlineData("0 0 29 2 *", "UTC", "2025-01-01T00:00Z", "2028-02-29T00:00Z", "2032-02-29T00:00Z", "2036-02-29T00:00Z")]
    [InlineData("0 9 * * 5-7", "UTC", "2025-01-01T00:00Z", "2025-01-03T09:00Z", "2025-01-04T09:00Z", "2025-01-05T09:00Z")]
    [InlineData("30 4 1,15 * 5", "UTC", "2025-08-23T00:00Z", "2025-08-29T04:30Z", "2025-09-01T04:30Z", "2025-09-05T04:30Z")]
    [InlineData("0 0 */2 * sun", "UTC", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-01-19T00:00Z", "2025-02-09T00:00Z")]
    [InlineData("0 0 1-31 * sun", "UTC", "2025-01-01T00:00Z", "2025-01-02T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z")]
    [InlineData("30 2 * * *", "America/New_York", "2025-03-08T12:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-03-09T01:00-05:00", "2025-03-09T01:30-05:00", "2025-03-09T03:30-04:00", "2025-03-09T04:30-04:00")]
    [InlineData("30 1 * * *", "America/New_York", "2025-11-01T12:00-04:00", "2025-11-02T01:30-04:00", "2025-11-03T01:30-05:00", "2025-11-04T01:30-05:00")]
    [InlineData("30 * * * *", "America/New_York", "2025-11-02T00:45-04:00", "2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00")]
    [InlineData("15 2 * * *", "Australia/Lord_Howe", "2025-10-04T00:00+10:30", "2025-10-04T02:15+10:30", "2025-10-05T02:30+11:00", "2025-10-06T02:15+11:00")]
    [InlineData("0 0 L * *", "UTC", "2024-01-31T00:00Z", "2024-02-29T00:00Z", "2024-03-31T00:00Z", "2024-04-30T00:00Z")]
    [InlineData("0 0 * * 1#1", "UTC", "2025-01-01T00:00Z", "2025-01-06T00:00Z", "2025-02-03T00:00Z", "2025-03-03T00:00Z")]
    public void GetNextOccurrence_SpecExampleTable_GivesTheListedOccurrences(string expression, string zone, string after, string first, string second, string third) =>
        AssertNext(expression, zone, after, first, second, third);

    [Theory]
    [InlineData("*/25 * * * *", "2025-01-01T00:00Z", "2025-01-01T00:25Z", "2025-01-01T00:50Z", "2025-01-01T01:00Z")]
    [InlineData("10-20/5 * * * *", "2025-01-01T00:00Z", "2025-01-01T00:10Z", "2025-01-01T00:15Z", "2025-01-01T00:20Z")]
    [InlineData("10-20/5 * * * *", "2025-01-01T00:20Z", "2025-01-01T01:10Z", "2025-01-01T01:15Z", "2025-01-01T01:20Z")]
    [InlineData("5/20 * * * *", "2025-01-01T00:00Z", "2025-01-01T00:05Z", "2025-01-01T00:25Z", "2025-01-01T00:45Z")]
    [InlineData("0 0/6 * * *", "2025-01-01T00:00Z", "2025-01-01T06:00Z", "2025-01-01T12:00Z", "2025-01-01T18:00Z")]
    [InlineData("0 */23 * * *", "2025-01-01T01:00Z", "2025-01-01T23:00Z", "2025-01-02T00:00Z", "2025-01-02T23:00Z")]
    [InlineData("0 22-23,0-1 * * *", "2025-01-01T12:00Z", "2025-01-01T22:00Z", "2025-01-01T23:00Z", "2025-01-02T00:00Z")]
    [InlineData("05 07 * * *", "2025-01-01T00:00Z", "2025-01-01T07:05Z", "2025-01-02T07:05Z", "2025-01-03T07:05Z")]
    [InlineData("59 23 31 12 *", "2025-01-01T00:00Z", "2025-12-31T23:59Z", "2026-12-31T23:59Z", "2027-12-31T23:59Z")]
    [InlineData("* * * * *", "2025-01-01T00:00:59Z", "2025-01-01T00:01Z", "2025-01-01T00:02Z", "2025-01-01T00:03Z")]
    [InlineData("0 0 */2 * *", "2025-04-29T12:00Z", "2025-05-01T00:00Z", "2025-05-03T00:00Z", "2025-05-05T00:00Z")]
    [InlineData("0 0 * * */7", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-01-12T00:00Z", "2025-01-19T00:00Z")]
    [InlineData("0 0 * * */2", "2025-01-01T00:00Z", "2025-01-02T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z")]
    [InlineData("0 0 * * 0", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-01-12T00:00Z", "2025-01-19T00:00Z")]
    [InlineData("0 0 * * 7", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-01-12T00:00Z", "2025-01-19T00:00Z")]
    [InlineData("0 0 * * 6-7", "2025-01-01T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z", "2025-01-11T00:00Z")]
    [InlineData("0 0 * * 5/1", "2025-01-01T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z")]
    public void GetNextOccurrence_RangesStepsAndLists_FollowCronie(string expression, string after, string first, string second, string third) =>
        AssertNext(expression, "UTC", after, first, second, third);

    [Theory]
    [InlineData("0 12 * jan,MAR mon", "2025-01-27T00:00Z", "2025-01-27T12:00Z", "2025-03-03T12:00Z", "2025-03-10T12:00Z")]
    [InlineData("0 0 1 jan-mar *", "2025-01-01T00:00Z", "2025-02-01T00:00Z", "2025-03-01T00:00Z", "2026-01-01T00:00Z")]
    [InlineData("0 0 1 Nov-DEC *", "2025-01-01T00:00Z", "2025-11-01T00:00Z", "2025-12-01T00:00Z", "2026-11-01T00:00Z")]
    [InlineData("0 0 * * MON-fri", "2025-01-03T00:00Z", "2025-01-06T00:00Z", "2025-01-07T00:00Z", "2025-01-08T00:00Z")]
    [InlineData("0 0 * * Sat-Sun", "2025-01-01T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z", "2025-01-11T00:00Z")]
    [InlineData("0 0 * * sat-0", "2025-01-01T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z", "2025-01-11T00:00Z")]
    [InlineData("0 0 * * fri-sun", "2025-01-01T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z", "2025-01-05T00:00Z")]
    [InlineData("0 0 * * mon-sun", "2025-01-01T00:00Z", "2025-01-02T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z")]
    [InlineData("0 0 * * sun,WED", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-01-08T00:00Z", "2025-01-12T00:00Z")]
    [InlineData("0 0 1 feb/3 *", "2025-01-01T00:00Z", "2025-02-01T00:00Z", "2025-05-01T00:00Z", "2025-08-01T00:00Z")]
    public void GetNextOccurrence_MonthAndWeekdayNames_AreCaseInsensitiveAndWorkInRanges(string expression, string after, string first, string second, string third) =>
        AssertNext(expression, "UTC", after, first, second, third);

    [Theory]
    [InlineData("0 0 13 * 5", "2025-01-01T00:00Z", "2025-01-03T00:00Z", "2025-01-10T00:00Z", "2025-01-13T00:00Z")]
    [InlineData("0 0 13 * 5", "2025-06-01T00:00Z", "2025-06-06T00:00Z", "2025-06-13T00:00Z", "2025-06-20T00:00Z")]
    [InlineData("0 0 1 * 1", "2025-01-27T00:00Z", "2025-02-01T00:00Z", "2025-02-03T00:00Z", "2025-02-10T00:00Z")]
    [InlineData("0 0 1-31/2 * sun", "2025-01-09T00:00Z", "2025-01-11T00:00Z", "2025-01-12T00:00Z", "2025-01-13T00:00Z")]
    [InlineData("0 0 * * 1-5", "2025-01-03T00:00Z", "2025-01-06T00:00Z", "2025-01-07T00:00Z", "2025-01-08T00:00Z")]
    [InlineData("0 0 1,15 * *", "2025-01-01T00:00Z", "2025-01-15T00:00Z", "2025-02-01T00:00Z", "2025-02-15T00:00Z")]
    [InlineData("0 0 * * */2", "2025-01-04T00:00Z", "2025-01-05T00:00Z", "2025-01-07T00:00Z", "2025-01-09T00:00Z")]
    [InlineData("0 0 ? * mon", "2025-01-01T00:00Z", "2025-01-06T00:00Z", "2025-01-13T00:00Z", "2025-01-20T00:00Z")]
    [InlineData("0 0 1 * ?", "2025-01-01T00:00Z", "2025-02-01T00:00Z", "2025-03-01T00:00Z", "2025-04-01T00:00Z")]
    [InlineData("0 0 */10 * 3", "2025-01-01T00:00Z", "2025-05-21T00:00Z", "2025-06-11T00:00Z", "2025-10-01T00:00Z")]
    [InlineData("0 0 L * 5", "2025-01-24T00:00Z", "2025-01-31T00:00Z", "2025-02-07T00:00Z", "2025-02-14T00:00Z")]
    [InlineData("0 0 1 * 1#1", "2025-01-01T00:00Z", "2025-01-06T00:00Z", "2025-02-01T00:00Z", "2025-02-03T00:00Z")]
    public void GetNextOccurrence_DayOfMonthAndDayOfWeek_FollowTheFirstCharacterRule(string expression, string after, string first, string second, string third) =>
        AssertNext(expression, "UTC", after, first, second, third);

    [Theory]
    [InlineData("@yearly", "2026-01-01T00:00Z", "2027-01-01T00:00Z", "2028-01-01T00:00Z")]
    [InlineData("@annually", "2026-01-01T00:00Z", "2027-01-01T00:00Z", "2028-01-01T00:00Z")]
    [InlineData("@monthly", "2025-02-01T00:00Z", "2025-03-01T00:00Z", "2025-04-01T00:00Z")]
    [InlineData("@weekly", "2025-01-05T00:00Z", "2025-01-12T00:00Z", "2025-01-19T00:00Z")]
    [InlineData("@daily", "2025-01-02T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z")]
    [InlineData("@midnight", "2025-01-02T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z")]
    [InlineData("@hourly", "2025-01-01T01:00Z", "2025-01-01T02:00Z", "2025-01-01T03:00Z")]
    [InlineData("  @daily\t", "2025-01-02T00:00Z", "2025-01-03T00:00Z", "2025-01-04T00:00Z")]
    public void GetNextOccurrence_Macro_BehavesAsItsExpansion(string macro, string first, string second, string third) =>
        AssertNext(macro, "UTC", "2025-01-01T00:00Z", first, second, third);

    [Theory]
    [InlineData("@yearly", true)]
    [InlineData("@annually", true)]
    [InlineData("@monthly", true)]
    [InlineData("@weekly", true)]
    [InlineData("@daily", true)]
    [InlineData("@midnight", true)]
    [InlineData("@hourly", false)]
    [InlineData("0 2 * * *", true)]
    [InlineData("0,30 2 * * *", true)]
    [InlineData("0 1-5 * * *", true)]
    [InlineData("0 0-23/2 * * *", true)]
    [InlineData("5/20 2 * * *", true)]
    [InlineData("30 2 * * 1-5", true)]
    [InlineData("H H * * *", true)]
    [InlineData("H(0-29)/10 H(1-3) * * *", true)]
    [InlineData("*/15 * * * *", false)]
    [InlineData("30 * * * *", false)]
    [InlineData("* 2 * * *", false)]
    [InlineData("0 */2 * * *", false)]
    [InlineData("H * * * *", false)]
    [InlineData("0 0 * * *", true)]
    [InlineData("0 0 * * */2", true)]
    public void IsFixedTime_MinuteOrHourStartingWithStar_IsWildcard(string expression, bool isFixedTime) =>
        Assert.Equal(isFixedTime, CronExpression.Parse(expression, "job-1").IsFixedTime);

    [Theory]
    [InlineData("*/15 * * * *", "2025-01-01T00:15Z", "2025-01-01T00:15Z")]
    [InlineData("*/15 * * * *", "2025-01-01T00:15:30Z", "2025-01-01T00:30Z")]
    [InlineData("*/15 * * * *", "2025-01-01T00:14:59.9999999Z", "2025-01-01T00:15Z")]
    [InlineData("30 2 * * *", "2025-03-09T03:00-04:00", "2025-03-09T03:00-04:00")]
    [InlineData("30 * * * *", "2025-11-02T01:30-05:00", "2025-11-02T01:30-05:00")]
    [InlineData("30 1 * * *", "2025-11-02T01:30-05:00", "2025-11-03T01:30-05:00")]
    public void GetNextOccurrence_Inclusive_ReturnsTheStartWhenItIsAnOccurrence(string expression, string from, string expected)
    {
        var zone = Instants.Zone(from.EndsWith('Z') ? "UTC" : "America/New_York");
        var next = CronExpression.Parse(expression).GetNextOccurrence(Instants.Parse(from), zone, inclusive: true);
        Assert.Equal(Instants.Show(Instants.Parse(expected)), Instants.Show(next));
    }

    [Fact]
    public void GetNextOccurrence_NotInclusive_IsStrictlyAfterTheStart()
    {
        var expression = CronExpression.Parse("*/15 * * * *");
        var start = Instants.Parse("2025-01-01T00:15Z");
        Assert.Equal(Instants.Parse("2025-01-01T00:30Z"), expression.GetNextOccurrence(start, TimeZoneInfo.Utc));
    }

    [Fact]
    public void GetNextOccurrence_StartWithAnyOffset_GivesTheSameInstantInTheZonesOffset()
    {
        var expression = CronExpression.Parse("0 9 * * *");
        var zone = Instants.Zone("Europe/London");
        var fromUtc = expression.GetNextOccurrence(Instants.Parse("2025-07-01T00:00Z"), zone);
        var fromTokyo = expression.GetNextOccurrence(Instants.Parse("2025-07-01T09:00+09:00"), zone);
        Assert.Equal(Instants.Show(Instants.Parse("2025-07-01T09:00+01:00")), Instants.Show(fromUtc));
        Assert.Equal(Instants.Show(fromUtc), Instants.Show(fromTokyo));
    }

    [Fact]
    public void ToString_ReturnsTheTrimmedText()
    {
        var expression = CronExpression.Parse("  */5 * * * mon-fri ");
        Assert.Equal("*/5 * * * mon-fri", expression.ToString());
        Assert.Equal("*/5 * * * mon-fri", expression.Text);
    }

    private static void AssertNext(string expression, string zone, string after, params string[] expected)
    {
        var parsed = CronExpression.Parse(expression, "job-1");
        var actual = Instants.NextOccurrences(parsed, Instants.Zone(zone), Instants.Parse(after), expected.Length);
        var wanted = expected.Select(e => e == "none" ? Instants.Show(null) : Instants.Show(Instants.Parse(e)));
        Assert.Equal(wanted, actual);
    }
}
