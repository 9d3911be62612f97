using System.Numerics;

namespace Kron.Core.Cron;

/// <summary>
/// The day extensions beyond cronie, resolved per month: <c>L</c> and <c>L-n</c> (n days before the last day),
/// <c>LW</c> (last weekday), <c>nW</c> (weekday nearest day n, never crossing the month), <c>dL</c> (last weekday d of
/// the month) and <c>d#n</c> (n-th weekday d).
/// </summary>
internal sealed class CronDaySpecials
{
    public static readonly CronDaySpecials None = new(0, false, 0, 0, 0);

    public CronDaySpecials(uint lastDayOffsets, bool lastWeekday, uint nearestWeekdays, byte lastDaysOfWeek, ulong nthDaysOfWeek)
    {
        LastDayOffsets = lastDayOffsets;
        LastWeekday = lastWeekday;
        NearestWeekdays = nearestWeekdays;
        LastDaysOfWeek = lastDaysOfWeek;
        NthDaysOfWeek = nthDaysOfWeek;
        HasAny = lastDayOffsets != 0 || lastWeekday || nearestWeekdays != 0 || lastDaysOfWeek != 0 || nthDaysOfWeek != 0;
    }

    /// <summary>Bit n set: <c>L-n</c> (bit 0 is plain <c>L</c>).</summary>
    public uint LastDayOffsets { get; }

    /// <summary><c>LW</c>.</summary>
    public bool LastWeekday { get; }

    /// <summary>Bit n set: <c>nW</c>.</summary>
    public uint NearestWeekdays { get; }

    /// <summary>Bit d set: <c>dL</c>, Sunday = 0.</summary>
    public byte LastDaysOfWeek { get; }

    /// <summary>Bit d*5 + (n-1) set: <c>d#n</c>, Sunday = 0, n = 1..5.</summary>
    public ulong NthDaysOfWeek { get; }

    public bool HasAny { get; }

    /// <summary>Days 1..31 (as bits) that the day-of-month extensions select in a month.</summary>
    public uint DayOfMonthMask(int daysInMonth, int firstWeekday)
    {
        uint mask = 0;
        for (var offsets = LastDayOffsets; offsets != 0; offsets &= offsets - 1)
        {
            var day = daysInMonth - BitOperations.TrailingZeroCount(offsets);
            if (day >= 1)
            {
                mask |= 1u << day;
            }
        }

        if (LastWeekday)
        {
            mask |= 1u << NearestWeekday(daysInMonth, daysInMonth, firstWeekday);
        }

        for (var days = NearestWeekdays; days != 0; days &= days - 1)
        {
            var day = BitOperations.TrailingZeroCount(days);
            if (day <= daysInMonth)
            {
                mask |= 1u << NearestWeekday(day, daysInMonth, firstWeekday);
            }
        }

        return mask;
    }

    /// <summary>Days 1..31 (as bits) that the day-of-week extensions select in a month.</summary>
    public uint DayOfWeekMask(int daysInMonth, int firstWeekday)
    {
        uint mask = 0;
        var lastWeekday = (firstWeekday + daysInMonth - 1) % 7;
        for (var weekdays = (uint)LastDaysOfWeek; weekdays != 0; weekdays &= weekdays - 1)
        {
            var weekday = BitOperations.TrailingZeroCount(weekdays);
            mask |= 1u << (daysInMonth - ((lastWeekday - weekday + 7) % 7));
        }

        for (var nth = NthDaysOfWeek; nth != 0; nth &= nth - 1)
        {
            var bit = BitOperations.TrailingZeroCount(nth);
            int weekday = bit / 5, n = (bit % 5) + 1;
            var day = 1 + ((weekday - firstWeekday + 7) % 7) + (7 * (n - 1));
            if (day <= daysInMonth)
            {
                mask |= 1u << day;
            }
        }

        return mask;
    }

    /// <summary>Whether a date matches a day-of-month extension, decided directly from the date.</summary>
    public bool MatchesDayOfMonth(DateTime date)
    {
        var daysInMonth = DateTime.DaysInMonth(date.Year, date.Month);
        var fromEnd = daysInMonth - date.Day;
        if (fromEnd <= 30 && (LastDayOffsets & (1u << fromEnd)) != 0)
        {
            return true;
        }

        if (LastWeekday && IsNearestWeekdayOf(date, daysInMonth, daysInMonth))
        {
            return true;
        }

        // nW can only select a day within two days of n.
        for (var n = Math.Max(1, date.Day - 2); n <= Math.Min(daysInMonth, date.Day + 2); n++)
        {
            if ((NearestWeekdays & (1u << n)) != 0 && IsNearestWeekdayOf(date, n, daysInMonth))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether a date matches a day-of-week extension, decided directly from the date.</summary>
    public bool MatchesDayOfWeek(DateTime date)
    {
        var weekday = (int)date.DayOfWeek;
        if ((LastDaysOfWeek & (1 << weekday)) != 0 && date.Day + 7 > DateTime.DaysInMonth(date.Year, date.Month))
        {
            return true;
        }

        var n = ((date.Day - 1) / 7) + 1;
        return (NthDaysOfWeek & (1UL << ((weekday * 5) + n - 1))) != 0;
    }

    /// <summary>The weekday nearest to <paramref name="day"/> in its month: Saturday moves to Friday and Sunday to
    /// Monday, unless that would leave the month (then the 1st moves to Monday the 3rd, the last to Friday).</summary>
    private static int NearestWeekday(int day, int daysInMonth, int firstWeekday)
    {
        var weekday = (firstWeekday + day - 1) % 7;
        return weekday switch
        {
            6 => day == 1 ? 3 : day - 1,
            0 => day == daysInMonth ? day - 2 : day + 1,
            _ => day,
        };
    }

    private static bool IsNearestWeekdayOf(DateTime date, int day, int daysInMonth)
    {
        var first = new DateTime(date.Year, date.Month, 1);
        return NearestWeekday(day, daysInMonth, (int)first.DayOfWeek) == date.Day;
    }
}
