using Kron.Core.Cron;
using Kron.Core.Scheduling;

namespace Kron.Core.Tests.Scheduling;

public sealed class ScheduleTests
{
    private static readonly DateTimeOffset Anchor = Instants.Parse("2025-01-01T00:00Z");

    [Fact]
    public void OneTimeSchedule_BeforeTheInstant_ReturnsTheInstant()
    {
        var at = Instants.Parse("2025-06-01T12:00+02:00");
        var schedule = Schedule.At(at);
        Assert.Equal(at, schedule.Instant);
        Assert.Equal(Instants.Show(at), Instants.Show(schedule.GetNextOccurrence(at.AddTicks(-1))));
        Assert.Equal(at, schedule.GetNextOccurrence(DateTimeOffset.MinValue));
    }

    [Fact]
    public void OneTimeSchedule_AtOrAfterTheInstant_ReturnsNull()
    {
        var at = Instants.Parse("2025-06-01T12:00+02:00");
        var schedule = Schedule.At(at);
        Assert.Null(schedule.GetNextOccurrence(at));
        Assert.Null(schedule.GetNextOccurrence(at.ToOffset(TimeSpan.Zero)));
        Assert.Null(schedule.GetNextOccurrence(at.AddMinutes(1)));
    }

    [Theory]
    [InlineData("2024-12-31T23:00Z", "2025-01-01T00:00Z")]
    [InlineData("2025-01-01T00:00Z", "2025-01-01T00:15Z")]
    [InlineData("2025-01-01T00:00:00.0000001Z", "2025-01-01T00:15Z")]
    [InlineData("2025-01-01T00:14:59Z", "2025-01-01T00:15Z")]
    [InlineData("2025-01-01T00:15Z", "2025-01-01T00:30Z")]
    [InlineData("2025-01-01T07:31Z", "2025-01-01T07:45Z")]
    [InlineData("2025-03-09T01:59-05:00", "2025-03-09T07:00Z")]
    public void IntervalSchedule_After_ReturnsTheNextSlotOnTheGrid(string after, string expected)
    {
        var schedule = Schedule.Every(TimeSpan.FromMinutes(15), Anchor);
        Assert.Equal(Instants.Parse(expected), schedule.GetNextOccurrence(Instants.Parse(after)));
    }

    [Fact]
    public void IntervalSchedule_ManySlots_StayOnTheGridAndStrictlyIncrease()
    {
        var interval = TimeSpan.FromSeconds(7) + TimeSpan.FromMilliseconds(250);
        var schedule = Schedule.Every(interval, Anchor);
        var previous = Anchor;
        for (var i = 0; i < 1000; i++)
        {
            var next = schedule.GetNextOccurrence(previous)!.Value;
            Assert.True(next > previous);
            Assert.Equal(0, (next - Anchor).Ticks % interval.Ticks);
            Assert.Equal(interval, next - previous);
            previous = next;
        }
    }

    [Fact]
    public void IntervalSchedule_AcrossDaylightSaving_KeepsExactDurations()
    {
        var anchor = Instants.Parse("2025-03-08T02:30-05:00");
        var schedule = Schedule.Every(TimeSpan.FromDays(1), anchor);
        var next = schedule.GetNextOccurrence(anchor);
        Assert.Equal(Instants.Parse("2025-03-09T02:30-05:00"), next);
        Assert.Equal(TimeSpan.FromHours(-5), next!.Value.Offset);
    }

    [Fact]
    public void IntervalSchedule_NearTheEndOfTime_ReturnsNull()
    {
        var schedule = Schedule.Every(TimeSpan.FromDays(365), Anchor);
        Assert.Null(schedule.GetNextOccurrence(DateTimeOffset.MaxValue));
        Assert.NotNull(schedule.GetNextOccurrence(Instants.Parse("9998-01-01T00:00Z")));
    }

    [Fact]
    public void IntervalSchedule_HugeIntervalOrPositiveOffsetAnchor_EndsInsteadOfOverflowing()
    {
        Assert.Null(Schedule.Every(TimeSpan.MaxValue, Anchor).GetNextOccurrence(Anchor));
        var eastern = new DateTimeOffset(9999, 12, 31, 0, 0, 0, TimeSpan.FromHours(14));
        Assert.Null(Schedule.Every(TimeSpan.FromHours(30), eastern).GetNextOccurrence(eastern));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(9_999_999)]
    public void IntervalSchedule_ShorterThanOneSecond_IsRejected(long ticks)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Schedule.Every(TimeSpan.FromTicks(ticks), Anchor));
        Assert.Equal("interval", error.ParamName);
    }

    [Fact]
    public void IntervalSchedule_OneSecond_IsAccepted()
    {
        var schedule = Schedule.Every(IntervalSchedule.MinInterval, Anchor);
        Assert.Equal(TimeSpan.FromSeconds(1), schedule.Interval);
        Assert.Equal(Anchor, schedule.Anchor);
        Assert.Equal(Anchor.AddSeconds(1), schedule.GetNextOccurrence(Anchor));
    }

    [Fact]
    public void CronSchedule_GetNextOccurrence_UsesTheExpressionInItsZone()
    {
        var zone = Instants.Zone("America/New_York");
        var expression = CronExpression.Parse("30 2 * * *");
        var schedule = Schedule.Cron(expression, zone);
        Assert.Same(expression, schedule.Expression);
        Assert.Same(zone, schedule.Zone);
        var next = schedule.GetNextOccurrence(Instants.Parse("2025-03-08T12:00-05:00"));
        Assert.Equal(Instants.Show(Instants.Parse("2025-03-09T03:00-04:00")), Instants.Show(next));
    }

    [Fact]
    public void CronSchedule_NeverFiring_ReturnsNull()
    {
        var schedule = Schedule.Cron(CronExpression.Parse("0 0 30 2 *"), TimeZoneInfo.Utc);
        Assert.Null(schedule.GetNextOccurrence(Anchor));
    }

    [Fact]
    public void CronSchedule_NullArguments_AreRejected()
    {
        Assert.Throws<ArgumentNullException>(() => Schedule.Cron(null!, TimeZoneInfo.Utc));
        Assert.Throws<ArgumentNullException>(() => Schedule.Cron(CronExpression.Parse("@daily"), null!));
    }

    [Fact]
    public void GetNextOccurrence_EveryKindOfSchedule_AnswersThroughTheBaseType()
    {
        var oneHourLater = Anchor.AddHours(1);
        Schedule[] schedules =
        [
            Schedule.At(oneHourLater),
            Schedule.Every(TimeSpan.FromHours(1), Anchor),
            Schedule.Cron(CronExpression.Parse("@hourly"), TimeZoneInfo.Utc),
        ];
        Assert.All(schedules, s => Assert.Equal(oneHourLater, s.GetNextOccurrence(Anchor)));
    }
}
