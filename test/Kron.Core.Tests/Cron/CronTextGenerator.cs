using System.Globalization;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// Random valid cron expressions for the reference-model comparison: every form of Part A (stars, values, lists,
/// ranges, steps, names, L/W/#, ?, H), both fixed-time and wildcard, with hours biased towards the small hours where
/// daylight-saving transitions happen (or towards the hours the caller names).
/// </summary>
internal sealed class CronTextGenerator(Random random)
{
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
    private static readonly string[] Macros = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"];
    private static readonly int[] DefaultHotHours = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 23, 22, 4];
    private static readonly int[] HotMinutes = [0, 0, 0, 15, 30, 30, 45, 59, 1, 29];

    private int[] _hotHours = DefaultHotHours;

    public string Next() => Next(DefaultHotHours);

    /// <summary>
    /// An expression whose hour values are mostly drawn from <paramref name="hotHours"/> and whose day fields often
    /// include <paramref name="aim"/>, the local date of a transition.
    /// </summary>
    public string Next(int[] hotHours, DateTime? aim = null)
    {
        if (random.Next(40) == 0)
        {
            return Macros[random.Next(Macros.Length)];
        }

        _hotHours = hotHours;
        if (aim is { } day && random.Next(3) != 0)
        {
            return string.Join(' ', Minute(), Hour(), AimedDayOfMonth(day), AimedMonth(day), AimedDayOfWeek(day));
        }

        return string.Join(' ', Minute(), Hour(), DayOfMonth(), Month(), DayOfWeek());
    }

    private string Minute() => random.Next(12) switch
    {
        0 => "*",
        1 => $"*/{Pick(1, 2, 5, 7, 10, 15, 20, 25, 30, 45)}",
        2 => List(() => Value(HotMinutes, 0, 59)),
        3 => Range(0, 59, HotMinutes),
        4 => $"{Range(0, 59, HotMinutes)}/{random.Next(1, 31)}",
        5 => $"{random.Next(0, 60)}/{random.Next(1, 31)}",
        6 => Hash(0, 59),
        _ => Value(HotMinutes, 0, 59),
    };

    private string Hour() => random.Next(12) switch
    {
        0 or 1 => "*",
        2 => $"*/{Pick(1, 2, 3, 5, 23)}",
        3 => List(() => Value(_hotHours, 0, 23)),
        4 => Range(0, 23, _hotHours),
        5 => $"{Range(0, 23, _hotHours)}/{random.Next(1, 4)}",
        6 => $"{Value(_hotHours, 0, 23)}/{random.Next(1, 12)}",
        7 => Hash(_hotHours.Min(), _hotHours.Max()),
        _ => Value(_hotHours, 0, 23),
    };

    private string DayOfMonth() => random.Next(24) switch
    {
        < 10 or > 19 => "*",
        10 => "?",
        11 => $"*/{random.Next(1, 4)}",
        12 => "1-31",
        13 => Pick("L", "LW", $"L-{random.Next(0, 31)}"),
        14 => $"{random.Next(1, 32)}W",
        15 => List(() => random.Next(1, 32).ToString(CultureInfo.InvariantCulture)),
        16 => $"{random.Next(1, 15)}-{random.Next(15, 32)}",
        17 => List(() => Pick("L", "1W", "15", "LW", "L-2", "31W", random.Next(1, 32).ToString(CultureInfo.InvariantCulture))),
        _ => random.Next(1, 32).ToString(CultureInfo.InvariantCulture),
    };

    private string Month() => random.Next(16) switch
    {
        < 7 or > 11 => "*",
        7 => List(() => Name(MonthNames, random.Next(12))),
        8 => $"{Name(MonthNames, random.Next(6))}-{Name(MonthNames, random.Next(6, 12))}",
        9 => $"*/{random.Next(1, 4)}",
        10 => List(() => random.Next(1, 13).ToString(CultureInfo.InvariantCulture)),
        _ => $"{random.Next(1, 13)}/{random.Next(1, 5)}",
    };

    private string DayOfWeek() => random.Next(24) switch
    {
        < 10 or > 19 => "*",
        10 => "?",
        11 => Pick("sat-sun", "sat-0", "fri-0", "mon-fri", "MON-Sun", "1-5", "0-6", "0-7", "6-7"),
        12 => $"*/{random.Next(1, 8)}",
        13 => $"{random.Next(0, 8)}L",
        14 => $"{Pick("0", "7", "sun", "1", "mon", "5", "fri", "6", "sat")}#{random.Next(1, 6)}",
        15 => List(() => Name(DayNames, random.Next(7))),
        16 => List(() => random.Next(0, 8).ToString(CultureInfo.InvariantCulture)),
        17 => List(() => Pick("1#1", "5L", "sun", "0L", "6#5", "3")),
        _ => random.Next(0, 8).ToString(CultureInfo.InvariantCulture),
    };

    private string AimedDayOfMonth(DateTime day)
    {
        var last = DateTime.DaysInMonth(day.Year, day.Month);
        return random.Next(9) switch
        {
            0 or 1 => "*",
            2 => "?",
            3 => $"{day.Day},{random.Next(1, 32)}",
            4 => $"{random.Next(1, day.Day + 1)}-{random.Next(day.Day, 32)}",
            5 => day.Day == last ? Pick("L", "LW", "L-0") : $"L-{last - day.Day}",
            6 => day.DayOfWeek is System.DayOfWeek.Saturday or System.DayOfWeek.Sunday ? "*/2" : $"{day.Day}W",
            7 => DayOfMonth(),
            _ => day.Day.ToString(CultureInfo.InvariantCulture),
        };
    }

    private string AimedMonth(DateTime day) => random.Next(6) switch
    {
        0 or 1 => "*",
        2 => Name(MonthNames, day.Month - 1),
        3 => $"{Name(MonthNames, random.Next(day.Month))}-{Name(MonthNames, random.Next(day.Month - 1, 12))}",
        4 => $"{day.Month},{random.Next(1, 13)}",
        _ => day.Month.ToString(CultureInfo.InvariantCulture),
    };

    private string AimedDayOfWeek(DateTime day)
    {
        var weekday = (int)day.DayOfWeek;
        var last = day.Day + 7 > DateTime.DaysInMonth(day.Year, day.Month);
        return random.Next(9) switch
        {
            0 or 1 => "*",
            2 => "?",
            3 => Name(DayNames, weekday),
            4 => $"{Pick(weekday.ToString(CultureInfo.InvariantCulture), Name(DayNames, weekday))}#{((day.Day - 1) / 7) + 1}",
            5 => last ? $"{weekday}L" : $"{weekday},{random.Next(0, 8)}",
            6 => weekday == 0 ? Pick("7", "sat-sun", "fri-0", "*/7") : $"{weekday - 1}-{weekday}",
            7 => DayOfWeek(),
            _ => weekday.ToString(CultureInfo.InvariantCulture),
        };
    }

    private string Hash(int low, int high) => random.Next(4) switch
    {
        0 => "H",
        1 => $"H/{random.Next(1, 31)}",
        2 => $"H({low}-{random.Next(low, high + 1)})",
        _ => $"H({low}-{high})/{random.Next(1, 10)}",
    };

    private string List(Func<string> item) =>
        string.Join(',', Enumerable.Range(0, random.Next(2, 4)).Select(_ => item()));

    private string Range(int min, int max, int[] hot)
    {
        var a = int.Parse(Value(hot, min, max), CultureInfo.InvariantCulture);
        var b = random.Next(a, Math.Min(max, a + 6) + 1);
        return $"{a}-{b}";
    }

    private string Value(int[] hot, int min, int max) =>
        (random.Next(3) == 0 ? random.Next(min, max + 1) : hot[random.Next(hot.Length)]).ToString(CultureInfo.InvariantCulture);

    private string Name(string[] names, int index)
    {
        var name = names[index];
        return random.Next(3) switch
        {
            0 => name.ToUpperInvariant(),
            1 => char.ToUpperInvariant(name[0]) + name[1..],
            _ => name,
        };
    }

    private T Pick<T>(params T[] choices) => choices[random.Next(choices.Length)];
}
