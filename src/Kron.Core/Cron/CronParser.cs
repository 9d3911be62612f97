using System.Globalization;

namespace Kron.Core.Cron;

/// <summary>
/// Parses the Vixie/cronie dialect with Kron's extensions (<c>spec/cron.md</c> Part A) into a <see cref="CronPattern"/>.
/// Every rejection names the field, the offending text and the reason.
/// </summary>
internal sealed class CronParser
{
    private static readonly string[] MonthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    private static readonly string[] DayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

    private static readonly Dictionary<string, string> Macros = new(StringComparer.Ordinal)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly string _expression;
    private readonly string? _hashSeed;

    // Field being parsed and its bits, reset per field.
    private CronField _field;
    private ulong _bits;
    private uint _lastDayOffsets;
    private bool _lastWeekday;
    private uint _nearestWeekdays;
    private byte _lastDaysOfWeek;
    private ulong _nthDaysOfWeek;
    private int _hashIndex;

    private CronParser(string expression, string? hashSeed)
    {
        _expression = expression;
        _hashSeed = hashSeed;
    }

    public static CronPattern Parse(string expression, string? hashSeed)
    {
        ArgumentNullException.ThrowIfNull(expression);
        return new CronParser(expression, hashSeed).Parse();
    }

    private CronPattern Parse()
    {
        var text = _expression.Trim();
        if (text.Length == 0)
        {
            throw Error(null, null, "it is empty; write five fields (minute hour day-of-month month day-of-week) or a macro such as @daily");
        }

        if (text[0] == '@')
        {
            text = ExpandMacro(text);
        }

        var fields = text.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 5)
        {
            throw Error(null, null, $"it has {fields.Length} field{(fields.Length == 1 ? "" : "s")}; write five: minute hour day-of-month month day-of-week");
        }

        if (fields.Length > 5)
        {
            throw Error(null, fields[5], "a sixth field is not accepted; Kron cron expressions have exactly five fields (no seconds, no year, no command)");
        }

        var minutes = ParseField(CronField.Minute, fields[0]);
        var hours = ParseField(CronField.Hour, fields[1]);
        var daysOfMonth = ParseField(CronField.DayOfMonth, fields[2]);
        var lastDayOffsets = _lastDayOffsets;
        var lastWeekday = _lastWeekday;
        var nearestWeekdays = _nearestWeekdays;
        var months = ParseField(CronField.Month, fields[3]);
        var daysOfWeek = ParseField(CronField.DayOfWeek, fields[4]);

        // 0 and 7 are both Sunday.
        if ((daysOfWeek & (1UL << 7)) != 0)
        {
            daysOfWeek = (daysOfWeek | 1UL) & 0x7F;
        }

        var specials = new CronDaySpecials(lastDayOffsets, lastWeekday, nearestWeekdays, _lastDaysOfWeek, _nthDaysOfWeek);
        return new CronPattern(
            minutes,
            (uint)hours,
            (uint)daysOfMonth,
            (ushort)months,
            (byte)daysOfWeek,
            specials.HasAny ? specials : CronDaySpecials.None,
            dayOfMonthStar: fields[2][0] == '*' || fields[2] == "?",
            dayOfWeekStar: fields[4][0] == '*' || fields[4] == "?",
            wildcardTime: fields[0][0] == '*' || fields[1][0] == '*');
    }

    private string ExpandMacro(string text)
    {
        var end = text.IndexOfAny([' ', '\t']);
        var macro = end < 0 ? text : text[..end];
        if (end >= 0)
        {
            throw Error(null, text[end..].Trim(), $"{macro} stands alone; nothing may follow a macro");
        }

        if (Macros.TryGetValue(macro, out var expansion))
        {
            return expansion;
        }

        if (macro == "@reboot")
        {
            throw Error(null, macro, "@reboot runs when a daemon starts and is accepted only in crontab files, not as a job schedule");
        }

        var lower = macro.ToLowerInvariant();
        if (Macros.ContainsKey(lower) || lower == "@reboot")
        {
            throw Error(null, macro, $"macros are lower case; write {lower}");
        }

        throw Error(null, macro, "unknown macro; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly");
    }

    private ulong ParseField(CronField field, string text)
    {
        _field = field;
        _bits = 0;
        _lastDayOffsets = 0;
        _lastWeekday = false;
        _nearestWeekdays = 0;
        _lastDaysOfWeek = 0;
        _nthDaysOfWeek = 0;

        var terms = text.Split(',');
        if (terms.Length > 1 && Array.IndexOf(terms, "?") >= 0)
        {
            throw Error(field, text, "? stands alone; it cannot be part of a list");
        }

        foreach (var term in terms)
        {
            if (term.Length == 0)
            {
                throw Error(field, text, "a list has an empty item; remove the extra comma");
            }

            ParseTerm(term);
        }

        return _bits;
    }

    private void ParseTerm(string term)
    {
        var (min, max) = Bounds(_field);
        if (term == "?")
        {
            if (_field is not (CronField.DayOfMonth or CronField.DayOfWeek))
            {
                throw Error(_field, term, "? is only allowed in the day-of-month and day-of-week fields");
            }

            SetRange(min, max, 1);
            return;
        }

        var slash = term.IndexOf('/', StringComparison.Ordinal);
        var rangeText = slash < 0 ? term : term[..slash];
        var step = slash < 0 ? 1 : ParseStep(term, term[(slash + 1)..], max - min + 1);

        if (rangeText == "*")
        {
            SetRange(min, max, step);
            return;
        }

        if (rangeText.StartsWith('*'))
        {
            throw Error(_field, term, "* may only be followed by /step, as in */15");
        }

        if (rangeText.Length > 0 && rangeText[0] is 'H' or 'h')
        {
            ParseHash(term, rangeText, slash < 0 ? 0 : step);
            return;
        }

        if (slash < 0 && TryParseDaySpecial(term))
        {
            return;
        }

        var dash = rangeText.IndexOf('-', StringComparison.Ordinal);
        if (dash < 0)
        {
            var value = ParseValue(term, rangeText);
            // a/n means a-max/n (as Cronos, Quartz and cron-parser; cronie rejects it).
            SetRange(value, slash < 0 ? value : max, step);
            return;
        }

        var low = ParseValue(term, rangeText[..dash]);
        var high = ParseValue(term, rangeText[(dash + 1)..]);
        if (low > high)
        {
            // cronie's one exception: a day-of-week range ending in Sunday written 0 (or sun) runs up to 7.
            if (_field == CronField.DayOfWeek && high == 0)
            {
                high = 7;
            }
            else
            {
                throw Error(_field, term, $"the range runs backwards ({low} is after {high}); write it as two ranges, such as {low}-{max},{min}-{high}");
            }
        }

        SetRange(low, high, step);
    }

    private bool TryParseDaySpecial(string term)
    {
        var upper = term.ToUpperInvariant();
        if (_field == CronField.DayOfMonth)
        {
            if (upper == "L")
            {
                _lastDayOffsets |= 1;
                return true;
            }

            if (upper == "LW")
            {
                _lastWeekday = true;
                return true;
            }

            if (upper.StartsWith("L-", StringComparison.Ordinal))
            {
                var n = ParseNumber(term, term[2..], 0, 30, "the offset in L-n");
                _lastDayOffsets |= 1u << n;
                return true;
            }

            if (upper.Length > 1 && upper[^1] == 'W')
            {
                var day = ParseNumber(term, term[..^1], 1, 31, "the day in nW");
                _nearestWeekdays |= 1u << day;
                return true;
            }
        }
        else if (_field == CronField.DayOfWeek)
        {
            var hash = term.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                var weekday = ParseValue(term, term[..hash]) % 7;
                var n = ParseNumber(term, term[(hash + 1)..], 1, 5, "n in d#n");
                _nthDaysOfWeek |= 1UL << ((weekday * 5) + n - 1);
                return true;
            }

            if (upper.Length > 1 && upper[^1] == 'L')
            {
                var weekday = ParseValue(term, term[..^1]) % 7;
                _lastDaysOfWeek |= (byte)(1 << weekday);
                return true;
            }
        }

        if (upper.Contains('L', StringComparison.Ordinal) && upper.Length <= 3 && !IsName(upper))
        {
            throw Error(_field, term, "L is only allowed in the day-of-month field (L, L-n, LW) and the day-of-week field (dL)");
        }

        if (upper.Contains('#', StringComparison.Ordinal))
        {
            throw Error(_field, term, "# is only allowed in the day-of-week field, as in 1#2 (the second Monday)");
        }

        return false;
    }

    private bool IsName(string upper) => _field switch
    {
        CronField.Month => Array.IndexOf(MonthNames, upper.ToLowerInvariant()) >= 0,
        CronField.DayOfWeek => Array.IndexOf(DayNames, upper.ToLowerInvariant()) >= 0,
        _ => false,
    };

    private void ParseHash(string term, string rangeText, int step)
    {
        var (min, max) = Bounds(_field);
        if (_field == CronField.DayOfMonth)
        {
            max = 28; // so that H fires in every month, as Jenkins and Cronos do
        }
        else if (_field == CronField.DayOfWeek)
        {
            max = 6;
        }

        int low = min, high = max;
        if (rangeText.Length > 1)
        {
            if (rangeText[1] != '(' || rangeText[^1] != ')')
            {
                throw Error(_field, term, "H takes an optional range in parentheses, as in H(0-29) or H(0-29)/10");
            }

            var inner = rangeText[2..^1];
            var dash = inner.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0)
            {
                throw Error(_field, term, "H(a-b) needs a range a-b inside the parentheses");
            }

            low = ParseValue(term, inner[..dash]);
            high = ParseValue(term, inner[(dash + 1)..]);
            if (low > high)
            {
                throw Error(_field, term, $"the range runs backwards ({low} is after {high})");
            }
        }

        if (_hashSeed is null)
        {
            throw Error(_field, term, "H picks a value from the job's identity, and none was given; pass a seed (the job id or key)");
        }

        var span = high - low + 1;
        var hash = StableHash.Of(_hashSeed, (int)_field, _hashIndex++);
        if (step == 0)
        {
            SetRange(low + (int)(hash % (uint)span), low + (int)(hash % (uint)span), 1);
        }
        else
        {
            SetRange(low + (int)(hash % (uint)Math.Min(step, span)), high, step);
        }
    }

    private int ParseStep(string term, string text, int fieldSize)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            throw Error(_field, term, $"the step after / must be a whole number, as in */5 (got \"{text}\")");
        }

        if (text.Length > 4 || int.Parse(text, CultureInfo.InvariantCulture) == 0)
        {
            throw Error(_field, term, text.Length > 4 ? "the step is too large" : "a step of 0 never advances; use a step of at least 1");
        }

        return Math.Min(int.Parse(text, CultureInfo.InvariantCulture), fieldSize);
    }

    private int ParseValue(string term, string text)
    {
        var (min, max) = Bounds(_field);
        if (text.Length > 0 && text.All(char.IsAsciiDigit))
        {
            return ParseNumber(term, text, min, max, "the value");
        }

        var names = _field switch
        {
            CronField.Month => MonthNames,
            CronField.DayOfWeek => DayNames,
            _ => null,
        };
        var lower = text.ToLowerInvariant();
        if (names is null)
        {
            throw Error(_field, term, text.Length == 0
                ? $"a value is missing; expected a number {min}-{max}"
                : $"\"{text}\" is not a number; expected {min}-{max} (names are only allowed in the month and day-of-week fields)");
        }

        var index = Array.IndexOf(names, lower);
        if (index >= 0)
        {
            return _field == CronField.Month ? index + 1 : index;
        }

        if (lower.Length > 3 && lower.All(char.IsAsciiLetter) && Array.IndexOf(names, lower[..3]) >= 0)
        {
            throw Error(_field, term, $"full names are not accepted; write the first three letters, \"{lower[..3]}\"");
        }

        var expected = _field == CronField.Month ? "1-12 or jan-dec" : "0-7 (0 and 7 are Sunday) or sun-sat";
        throw Error(_field, term, text.Length == 0 ? $"a value is missing; expected {expected}" : $"\"{text}\" is not a value; expected {expected}");
    }

    private int ParseNumber(string term, string text, int min, int max, string what)
    {
        if (text.Length == 0 || !text.All(char.IsAsciiDigit))
        {
            throw Error(_field, term, $"{what} must be a number {min}-{max} (got \"{text}\")");
        }

        var n = text.Length > 4 ? int.MaxValue : int.Parse(text, CultureInfo.InvariantCulture);
        if (n < min || n > max)
        {
            throw Error(_field, term, $"{text} is out of range; {what} must be {min}-{max}{(_field == CronField.DayOfWeek && max == 7 ? " (0 and 7 are Sunday)" : "")}");
        }

        return n;
    }

    private void SetRange(int low, int high, int step)
    {
        for (var value = low; value <= high; value += step)
        {
            _bits |= 1UL << value;
        }
    }

    private static (int Min, int Max) Bounds(CronField field) => field switch
    {
        CronField.Minute => (0, 59),
        CronField.Hour => (0, 23),
        CronField.DayOfMonth => (1, 31),
        CronField.Month => (1, 12),
        _ => (0, 7),
    };

    private CronFormatException Error(CronField? field, string? token, string reason) => new(_expression, field, token, reason);
}
