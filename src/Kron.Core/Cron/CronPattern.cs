using System.Numerics;

namespace Kron.Core.Cron;

/// <summary>
/// The parsed calendar pattern of a cron expression, as bit sets over local wall-clock fields. It knows nothing of
/// time zones: <see cref="CronExpression"/> maps its local matches to instants.
/// </summary>
internal sealed class CronPattern
{
    /// <summary>The last year the search looks at; <see cref="DateTime"/> ends in 9999 and results need headroom.</summary>
    public const int MaxYear = 9998;

    private readonly uint[] _weekdayDays = new uint[7];

    public CronPattern(
        ulong minutes,
        uint hours,
        uint daysOfMonth,
        ushort months,
        byte daysOfWeek,
        CronDaySpecials specials,
        bool dayOfMonthStar,
        bool dayOfWeekStar,
        bool wildcardTime)
    {
        Minutes = minutes;
        Hours = hours;
        DaysOfMonth = daysOfMonth;
        Months = months;
        DaysOfWeek = daysOfWeek;
        Specials = specials;
        DaysAreAnded = dayOfMonthStar || dayOfWeekStar;
        WildcardTime = wildcardTime;

        // For each weekday of the 1st, the days 1..31 whose weekday is in the set.
        for (var first = 0; first < 7; first++)
        {
            uint mask = 0;
            for (var day = 1; day <= 31; day++)
            {
                if ((daysOfWeek & (1 << ((first + day - 1) % 7))) != 0)
                {
                    mask |= 1u << day;
                }
            }

            _weekdayDays[first] = mask;
        }

        NeverFires = !AnyDayInCalendarCycle();
    }

    /// <summary>Minutes 0-59 as bits 0-59.</summary>
    public ulong Minutes { get; }

    /// <summary>Hours 0-23 as bits 0-23.</summary>
    public uint Hours { get; }

    /// <summary>Plain days of the month 1-31 as bits 1-31.</summary>
    public uint DaysOfMonth { get; }

    /// <summary>Months 1-12 as bits 1-12.</summary>
    public ushort Months { get; }

    /// <summary>Plain days of the week, Sunday = bit 0.</summary>
    public byte DaysOfWeek { get; }

    /// <summary>The extensions <c>L</c>, <c>L-n</c>, <c>LW</c>, <c>nW</c>, <c>dL</c>, <c>d#n</c>.</summary>
    public CronDaySpecials Specials { get; }

    /// <summary>cronie's first-character rule: the day fields are ANDed when either starts with <c>*</c>, else ORed.</summary>
    public bool DaysAreAnded { get; }

    /// <summary>The minute or hour field starts with <c>*</c>: the daylight-saving rules R3 and R5 apply.</summary>
    public bool WildcardTime { get; }

    /// <summary>No day of any month in a whole 400-year Gregorian cycle matches (<c>0 0 30 2 *</c>).</summary>
    public bool NeverFires { get; }

    /// <summary>The days of the given month that match both day fields, as bits 1-31.</summary>
    public uint DayMask(int year, int month)
    {
        var daysInMonth = DateTime.DaysInMonth(year, month);
        var monthDays = (uint)((1UL << (daysInMonth + 1)) - 2);
        var firstWeekday = (int)new DateTime(year, month, 1).DayOfWeek;

        var byDay = DaysOfMonth & monthDays;
        var byWeekday = _weekdayDays[firstWeekday] & monthDays;
        if (Specials.HasAny)
        {
            byDay |= Specials.DayOfMonthMask(daysInMonth, firstWeekday);
            byWeekday |= Specials.DayOfWeekMask(daysInMonth, firstWeekday);
        }

        return DaysAreAnded ? byDay & byWeekday : byDay | byWeekday;
    }

    /// <summary>
    /// The first local wall-clock minute at or after <paramref name="start"/> that matches, or <see langword="null"/>
    /// when there is none up to <see cref="MaxYear"/>. <paramref name="start"/> must be a whole minute.
    /// </summary>
    public DateTime? NextLocalMatch(DateTime start)
    {
        if (NeverFires)
        {
            return null;
        }

        int year = start.Year, month = start.Month, day = start.Day, hour = start.Hour, minute = start.Minute;
        while (year <= MaxYear)
        {
            var laterMonths = Months & (ushort)~((1 << month) - 1);
            if (laterMonths == 0)
            {
                year++;
                month = BitOperations.TrailingZeroCount((uint)Months);
                day = 1;
                hour = 0;
                minute = 0;
                continue;
            }

            var nextMonth = BitOperations.TrailingZeroCount((uint)laterMonths);
            if (nextMonth != month)
            {
                month = nextMonth;
                day = 1;
                hour = 0;
                minute = 0;
            }

            var days = DayMask(year, month) & ~((1u << day) - 1);
            while (days != 0)
            {
                var nextDay = BitOperations.TrailingZeroCount(days);
                if (nextDay != day)
                {
                    day = nextDay;
                    hour = 0;
                    minute = 0;
                }

                var time = NextTimeOfDay(hour, minute);
                if (time >= 0)
                {
                    return new DateTime(year, month, day, time / 60, time % 60, 0, DateTimeKind.Unspecified);
                }

                days &= days - 1;
                hour = 0;
                minute = 0;
            }

            // Nothing left this month: move to the first day of the next.
            if (month == 12)
            {
                year++;
                month = 1;
            }
            else
            {
                month++;
            }

            day = 1;
            hour = 0;
            minute = 0;
        }

        return null;
    }

    /// <summary>
    /// Whether a local wall-clock minute matches, decided field by field without the month masks used by the search.
    /// Tests use it as an independent reference.
    /// </summary>
    public bool Matches(DateTime local)
    {
        if ((Minutes & (1UL << local.Minute)) == 0 || (Hours & (1u << local.Hour)) == 0 ||
            (Months & (1 << local.Month)) == 0)
        {
            return false;
        }

        var byDay = (DaysOfMonth & (1u << local.Day)) != 0 || Specials.MatchesDayOfMonth(local);
        var byWeekday = (DaysOfWeek & (1 << (int)local.DayOfWeek)) != 0 || Specials.MatchesDayOfWeek(local);
        return DaysAreAnded ? byDay && byWeekday : byDay || byWeekday;
    }

    /// <summary>The first matching minute of the day at or after hour:minute, as minutes since midnight, or -1.</summary>
    private int NextTimeOfDay(int hour, int minute)
    {
        var hours = Hours & ~((1u << hour) - 1);
        while (hours != 0)
        {
            var h = BitOperations.TrailingZeroCount(hours);
            var fromMinute = h == hour ? minute : 0;
            var minutes = Minutes & ~((1UL << fromMinute) - 1);
            if (minutes != 0)
            {
                return (h * 60) + BitOperations.TrailingZeroCount(minutes);
            }

            hours &= hours - 1;
        }

        return -1;
    }

    private bool AnyDayInCalendarCycle()
    {
        // The Gregorian calendar repeats every 400 years, weekdays included.
        for (var year = 2000; year < 2400; year++)
        {
            for (var month = 1; month <= 12; month++)
            {
                if ((Months & (1 << month)) != 0 && DayMask(year, month) != 0)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
