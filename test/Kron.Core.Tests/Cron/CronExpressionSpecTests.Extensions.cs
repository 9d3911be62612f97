using System.Numerics;
using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>The extensions of Part A: a/n, L, L-n, LW, nW, dL, d#n, H, and calendars that never match.</summary>
public sealed partial class CronExpressionSpecTests
{
    [Theory]
    [InlineData("0 0 L * *", "2025-01-01T00:00Z", "2025-01-31T00:00Z", "2025-02-28T00:00Z", "2025-03-31T00:00Z")]
    [InlineData("0 0 L-1 * *", "2025-01-01T00:00Z", "2025-01-30T00:00Z", "2025-02-27T00:00Z", "2025-03-30T00:00Z")]
    [InlineData("0 0 L-1 2 *", "2027-01-01T00:00Z", "2027-02-27T00:00Z", "2028-02-28T00:00Z", "2029-02-27T00:00Z")]
    [InlineData("0 0 L-30 * *", "2025-01-01T00:00Z", "2025-03-01T00:00Z", "2025-05-01T00:00Z", "2025-07-01T00:00Z")]
    [InlineData("0 0 l * *", "2025-01-31T00:00Z", "2025-02-28T00:00Z", "2025-03-31T00:00Z", "2025-04-30T00:00Z")]
    [InlineData("0 0 LW * *", "2025-05-01T00:00Z", "2025-05-30T00:00Z", "2025-06-30T00:00Z", "2025-07-31T00:00Z")]
    [InlineData("0 0 LW * *", "2025-08-01T00:00Z", "2025-08-29T00:00Z", "2025-09-30T00:00Z", "2025-10-31T00:00Z")]
    [InlineData("0 0 1W * *", "2025-10-15T00:00Z", "2025-11-03T00:00Z", "2025-12-01T00:00Z", "2026-01-01T00:00Z")]
    [InlineData("0 0 1W * *", "2025-05-15T00:00Z", "2025-06-02T00:00Z", "2025-07-01T00:00Z", "2025-08-01T00:00Z")]
    [InlineData("0 0 31W * *", "2025-05-01T00:00Z", "2025-05-30T00:00Z", "2025-07-31T00:00Z", "2025-08-29T00:00Z")]
    [InlineData("0 0 15W * *", "2025-03-01T00:00Z", "2025-03-14T00:00Z", "2025-04-15T00:00Z", "2025-05-15T00:00Z")]
    [InlineData("0 0 15W * *", "2025-06-01T00:00Z", "2025-06-16T00:00Z", "2025-07-15T00:00Z", "2025-08-15T00:00Z")]
    [InlineData("0 0 1W,15 * *", "2025-10-15T00:00Z", "2025-11-03T00:00Z", "2025-11-15T00:00Z", "2025-12-01T00:00Z")]
    [InlineData("0 0 30W 2 *", "2025-01-01T00:00Z", "none", "none", "none")]
    [InlineData("0 0 * * 5L", "2025-01-01T00:00Z", "2025-01-31T00:00Z", "2025-02-28T00:00Z", "2025-03-28T00:00Z")]
    [InlineData("0 0 * * 0L", "2025-01-01T00:00Z", "2025-01-26T00:00Z", "2025-02-23T00:00Z", "2025-03-30T00:00Z")]
    [InlineData("0 0 * * 7L", "2025-01-01T00:00Z", "2025-01-26T00:00Z", "2025-02-23T00:00Z", "2025-03-30T00:00Z")]
    [InlineData("0 0 * * 6#5", "2025-01-01T00:00Z", "2025-03-29T00:00Z", "2025-05-31T00:00Z", "2025-08-30T00:00Z")]
    [InlineData("0 0 * * sun#2", "2025-01-01T00:00Z", "2025-01-12T00:00Z", "2025-02-09T00:00Z", "2025-03-09T00:00Z")]
    [InlineData("0 0 * * 7#1", "2025-01-01T00:00Z", "2025-01-05T00:00Z", "2025-02-02T00:00Z", "2025-03-02T00:00Z")]
    [InlineData("0 0 * * 1#1,5L", "2025-01-01T00:00Z", "2025-01-06T00:00Z", "2025-01-31T00:00Z", "2025-02-03T00:00Z")]
    [InlineData("0 0 * 2 5#5", "2025-01-01T00:00Z", "2036-02-29T00:00Z", "2064-02-29T00:00Z", "2092-02-29T00:00Z")]
    [InlineData("0 0 L * 1#1", "2025-01-01T00:00Z", "2025-01-06T00:00Z", "2025-01-31T00:00Z", "2025-02-03T00:00Z")]
    [InlineData("0 0 15W * 6#5", "2025-03-01T00:00Z", "2025-03-14T00:00Z", "2025-03-29T00:00Z", "2025-04-15T00:00Z")]
    [InlineData("0 0 L * *", "2099-12-31T00:00Z", "2100-01-31T00:00Z", "2100-02-28T00:00Z", "2100-03-31T00:00Z")]
    [InlineData("0 0 29 2 *", "2096-03-01T00:00Z", "2104-02-29T00:00Z", "2108-02-29T00:00Z", "2112-02-29T00:00Z")]
    public void GetNextOccurrence_DayExtensions_SelectTheRightDays(string expression, string after, string first, string second, string third) =>
        AssertNext(expression, "UTC", after, first, second, third);

    [Theory]
    [InlineData("0 0 30 2 *")]
    [InlineData("0 0 31 2 *")]
    [InlineData("0 0 31 4,6,9,11 *")]
    [InlineData("0 0 30,31 feb *")]
    [InlineData("0 0 L-29 2 *")]
    [InlineData("0 0 30W 2 *")]
    public void GetNextOccurrence_ImpossibleCalendar_NeverFires(string text)
    {
        var expression = CronExpression.Parse(text);
        Assert.True(expression.NeverFires);
        Assert.Null(expression.GetNextOccurrence(Instants.Parse("2025-01-01T00:00Z"), TimeZoneInfo.Utc));
        Assert.Null(expression.GetNextOccurrence(DateTimeOffset.MinValue, Instants.Zone("America/New_York")));
        Assert.Null(expression.GetPreviousOccurrence(Instants.Parse("2025-01-01T00:00Z"), TimeZoneInfo.Utc));
        Assert.Empty(expression.GetOccurrences(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, TimeZoneInfo.Utc));
    }

    [Theory]
    [InlineData("0 0 30 2 mon")]
    [InlineData("0 0 29 2 *")]
    [InlineData("0 0 * 2 5#5")]
    [InlineData("0 0 31 * *")]
    public void NeverFires_RareButPossibleCalendar_IsFalse(string text) =>
        Assert.False(CronExpression.Parse(text).NeverFires);

    [Theory]
    [InlineData("H * * * *")]
    [InlineData("H H H H H")]
    [InlineData("H(5-50)/7 H(0-3) H(1-10) * *")]
    [InlineData("H,H/20 * * * *")]
    public void Parse_HashWithTheSameSeed_GivesTheSameValues(string text)
    {
        var first = CronExpression.Parse(text, "billing-report").Pattern;
        var second = CronExpression.Parse(text, "billing-report").Pattern;
        Assert.Equal(
            (first.Minutes, first.Hours, first.DaysOfMonth, first.Months, first.DaysOfWeek),
            (second.Minutes, second.Hours, second.DaysOfMonth, second.Months, second.DaysOfWeek));
    }

    [Fact]
    public void Parse_HashWithManySeeds_SpreadsOverTheWholeField()
    {
        var minutes = Seeds(300).Select(s => SingleValue(CronExpression.Parse("H * * * *", s).Pattern.Minutes)).ToHashSet();
        Assert.True(minutes.Count > 50, $"only {minutes.Count} distinct minutes from 300 seeds");
        Assert.All(minutes, m => Assert.InRange(m, 0, 59));
    }

    [Fact]
    public void Parse_HashInDifferentFields_GivesIndependentValues()
    {
        var patterns = Seeds(200).Select(s => CronExpression.Parse("H H * * *", s).Pattern).ToList();
        var same = patterns.Count(p => SingleValue(p.Minutes) == SingleValue(p.Hours));
        Assert.True(same < 30, $"{same} of 200 seeds gave the same minute and hour");
        var minutesByHour = patterns.GroupBy(p => SingleValue(p.Hours)).Where(g => g.Count() > 3);
        Assert.Contains(minutesByHour, g => g.Select(p => p.Minutes).Distinct().Count() > 1);
    }

    [Fact]
    public void Parse_HashInDayOfMonth_StaysWithinOneToTwentyEight()
    {
        var days = Seeds(500).Select(s => SingleValue(CronExpression.Parse("0 0 H * *", s).Pattern.DaysOfMonth)).ToHashSet();
        Assert.All(days, d => Assert.InRange(d, 1, 28));
        Assert.True(days.Count > 20, $"only {days.Count} distinct days from 500 seeds");
    }

    [Fact]
    public void Parse_HashInDayOfWeekAndMonth_StaysWithinTheField()
    {
        foreach (var seed in Seeds(200))
        {
            var pattern = CronExpression.Parse("0 0 * H H", seed).Pattern;
            Assert.InRange(SingleValue(pattern.DaysOfWeek), 0, 6);
            Assert.InRange(SingleValue(pattern.Months), 1, 12);
        }
    }

    [Theory]
    [InlineData("H(10-19) * * * *", 10, 19, 0)]
    [InlineData("H/15 * * * *", 0, 59, 15)]
    [InlineData("H/7 * * * *", 0, 59, 7)]
    [InlineData("H(0-29)/10 * * * *", 0, 29, 10)]
    [InlineData("H(5-50)/20 * * * *", 5, 50, 20)]
    [InlineData("H(40-45)/10 * * * *", 40, 45, 10)]
    [InlineData("h(0-59)/30 * * * *", 0, 59, 30)]
    public void Parse_HashRangeAndStep_StaysWithinTheRangeOnTheStep(string text, int low, int high, int step)
    {
        var starts = new HashSet<int>();
        foreach (var seed in Seeds(200))
        {
            var values = Bits(CronExpression.Parse(text, seed).Pattern.Minutes);
            Assert.All(values, v => Assert.InRange(v, low, high));
            var start = values[0];
            starts.Add(start);
            if (step == 0)
            {
                Assert.Single(values);
                continue;
            }

            Assert.InRange(start, low, Math.Min(high, low + step - 1));
            var expected = Enumerable.Range(0, ((high - start) / step) + 1).Select(k => start + (k * step));
            Assert.Equal(expected, values);
        }

        Assert.True(starts.Count > 1, $"{text}: every seed gave the same start {starts.First()}");
    }

    [Fact]
    public void Parse_HashInHour_HonoursTheRange()
    {
        foreach (var seed in Seeds(100))
        {
            var pattern = CronExpression.Parse("0 H(2-4) * * *", seed).Pattern;
            Assert.InRange(SingleValue(pattern.Hours), 2, 4);
        }
    }

    [Fact]
    public void GetNextOccurrence_Hash_FiresAtTheHashedMinute()
    {
        var expression = CronExpression.Parse("H * * * *", "nightly-export");
        var minute = SingleValue(expression.Pattern.Minutes);
        var next = expression.GetNextOccurrence(Instants.Parse("2025-01-01T00:00Z"), TimeZoneInfo.Utc);
        var expected = minute == 0 ? Instants.Parse("2025-01-01T01:00Z") : Instants.Parse("2025-01-01T00:00Z").AddMinutes(minute);
        Assert.Equal(expected, next);
    }

    private static IEnumerable<string> Seeds(int count) => Enumerable.Range(0, count).Select(i => $"job-{i}");

    private static int SingleValue(ulong bits)
    {
        Assert.Equal(1, BitOperations.PopCount(bits));
        return BitOperations.TrailingZeroCount(bits);
    }

    private static List<int> Bits(ulong bits) => [.. Enumerable.Range(0, 64).Where(i => (bits & (1UL << i)) != 0)];
}
