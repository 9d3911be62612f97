using System.Text;
using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// Robustness: garbage never escapes <see cref="CronExpression.Parse"/> as anything but a
/// <see cref="CronFormatException"/>, <see cref="CronExpression.TryParse(string, out CronExpression?)"/> never throws,
/// and what parses never throws from the occurrence methods, in any zone, up to the ends of time.
/// </summary>
public sealed class CronFuzzTests
{
    private const string CronAlphabet = "0123456789*/-,?#LWHlwh()@ \t abcdefgijlmnoprstuvyADFJMNOSTW";

    [Fact]
    public void Parse_RandomGarbage_ThrowsOnlyCronFormatException()
    {
        var random = new Random(4242);
        var failures = new List<string>();
        var parsed = 0;
        for (var i = 0; i < 30_000; i++)
        {
            var text = Garbage(random, i);
            var seed = random.Next(3) == 0 ? null : $"seed-{i}";
            try
            {
                CronExpression.Parse(text, seed);
                parsed++;
            }
            catch (CronFormatException e)
            {
                if (string.IsNullOrEmpty(e.Reason) || !e.Message.Contains(e.Reason, StringComparison.Ordinal))
                {
                    failures.Add($"{Escape(text)}: message without a reason: {e.Message}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"{Escape(text)}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures; first ones:\n{string.Join('\n', failures.Take(15))}");
        Assert.InRange(parsed, 100, 29_000);
    }

    [Fact]
    public void TryParse_RandomGarbage_NeverThrows()
    {
        var random = new Random(4343);
        for (var i = 0; i < 20_000; i++)
        {
            var text = Garbage(random, i);
            var ok = CronExpression.TryParse(text, random.Next(2) == 0 ? null : "seed", out var result, out var error);
            Assert.Equal(ok, result is not null);
            Assert.Equal(ok, error is null);
            if (!ok || !text.Contains('H', StringComparison.OrdinalIgnoreCase))
            {
                Assert.Equal(ok, CronExpression.TryParse(text, out _));
            }
        }
    }

    [Fact]
    public void GetOccurrences_RandomExpressionsZonesAndDates_NeverThrowAndStayConsistent()
    {
        var random = new Random(4444);
        var zones = TimeZoneInfo.GetSystemTimeZones();
        var generator = new CronTextGenerator(random);
        var failures = new List<string>();
        for (var i = 0; i < 1500; i++)
        {
            var text = i % 3 == 0 ? Mutate(random, generator.Next()) : generator.Next();
            if (!CronExpression.TryParse(text, "fuzz", out var expression, out _))
            {
                continue;
            }

            var zone = random.Next(4) == 0 ? TimeZoneInfo.Utc : zones[random.Next(zones.Count)];
            var at = RandomInstant(random);
            try
            {
                var problem = Check(expression, zone, at, checkPrevious: i % 5 == 0);
                if (problem is not null)
                {
                    failures.Add($"\"{text}\" in {zone.Id} at {Instants.Show(at)}: {problem}");
                }
            }
            catch (Exception e)
            {
                failures.Add($"\"{text}\" in {zone.Id} at {Instants.Show(at)}: {e.GetType().Name}: {e.Message}");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} failures; first ones:\n{string.Join('\n', failures.Take(15))}");
    }

    [Theory]
    [InlineData("* * * * *")]
    [InlineData("0 0 1 1 *")]
    [InlineData("59 23 31 12 *")]
    [InlineData("0 0 29 2 *")]
    [InlineData("0 0 L * 6#5")]
    [InlineData("@hourly")]
    public void GetOccurrences_AtTheEndsOfTime_ReturnNullOrAnInstantWithoutThrowing(string text)
    {
        var expression = CronExpression.Parse(text);
        string[] zones = ["UTC", "Pacific/Kiritimati", "Etc/GMT+12", "America/New_York", "Asia/Kolkata", "Pacific/Apia"];
        DateTimeOffset[] ends =
        [
            DateTimeOffset.MinValue, DateTimeOffset.MaxValue,
            new(1, 1, 1, 14, 0, 0, TimeSpan.FromHours(14)), new(9999, 12, 31, 11, 59, 59, TimeSpan.FromHours(-12)),
            new(9998, 12, 31, 23, 59, 0, TimeSpan.Zero), new(1, 1, 2, 0, 0, 0, TimeSpan.Zero),
        ];
        foreach (var zone in zones.Select(Instants.Zone))
        {
            foreach (var at in ends)
            {
                var next = expression.GetNextOccurrence(at, zone);
                var inclusive = expression.GetNextOccurrence(at, zone, inclusive: true);
                var previous = expression.GetPreviousOccurrence(at, zone);
                Assert.True(next is null || next > at, $"{text} {zone.Id} {Instants.Show(at)}: next {Instants.Show(next)}");
                Assert.True(inclusive is null || inclusive >= at, $"{text} {zone.Id} {Instants.Show(at)}: inclusive {Instants.Show(inclusive)}");
                Assert.True(previous is null || previous < at, $"{text} {zone.Id} {Instants.Show(at)}: previous {Instants.Show(previous)}");
                Assert.True(expression.GetOccurrences(at, Later(at, TimeSpan.FromHours(2)), zone).Count() <= 120);
            }
        }

        Assert.NotNull(expression.GetNextOccurrence(DateTimeOffset.MinValue, TimeZoneInfo.Utc));
        Assert.NotNull(expression.GetPreviousOccurrence(DateTimeOffset.MaxValue, TimeZoneInfo.Utc));
        Assert.Null(expression.GetNextOccurrence(DateTimeOffset.MaxValue, TimeZoneInfo.Utc));
    }

    /// <summary>Invariants of one answer: strictly after, the zone's own offset, and a matching or catch-up minute.</summary>
    private static string? Check(CronExpression expression, TimeZoneInfo zone, DateTimeOffset at, bool checkPrevious)
    {
        var next = expression.GetNextOccurrence(at, zone);
        if (next is { } n)
        {
            if (n <= at)
            {
                return $"next {Instants.Show(n)} is not after the start";
            }

            var offset = zone.GetUtcOffset(n.UtcDateTime);
            if (offset.Ticks % TimeSpan.TicksPerMinute == 0 && n.Offset != offset)
            {
                return $"next {Instants.Show(n)} does not carry the zone's offset {offset}";
            }

            var transition = zone.GetUtcOffset(n.UtcDateTime.AddMinutes(-1)) != offset;
            if (n.Offset == offset && !expression.Pattern.Matches(n.DateTime) && !transition)
            {
                return $"next {Instants.Show(n)} neither matches nor is a transition instant";
            }
        }
        else if (!expression.NeverFires && at.Year < 9000 && expression.GetNextOccurrence(at, TimeZoneInfo.Utc) is { } utc && utc.Year < 9000)
        {
            return $"no next occurrence, but in UTC there is {Instants.Show(utc)}";
        }

        var previous = expression.GetPreviousOccurrence(at, zone);
        if (previous is { } p && p >= at)
        {
            return $"previous {Instants.Show(p)} is not before the start";
        }

        if (checkPrevious && previous is { } before && expression.GetNextOccurrence(before, zone) is { } after && after < at)
        {
            // The occurrence after the previous one must be at or after the start, or the previous was not the last.
            return $"previous {Instants.Show(before)} is followed by {Instants.Show(after)}, still before the start";
        }

        _ = expression.GetOccurrences(at, Later(at, TimeSpan.FromDays(2)), zone).Take(5).Count();
        return null;
    }

    private static DateTimeOffset Later(DateTimeOffset at, TimeSpan by) =>
        at.UtcTicks + by.Ticks + Math.Max(0, at.Offset.Ticks) > DateTimeOffset.MaxValue.UtcTicks ? DateTimeOffset.MaxValue : at + by;

    private static DateTimeOffset RandomInstant(Random random)
    {
        var ticks = random.Next(6) switch
        {
            0 => random.NextInt64(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MinValue.UtcTicks + (TimeSpan.TicksPerDay * 30)),
            1 => random.NextInt64(DateTimeOffset.MaxValue.UtcTicks - (TimeSpan.TicksPerDay * 30), DateTimeOffset.MaxValue.UtcTicks),
            2 => random.NextInt64(DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks),
            _ => random.NextInt64(new DateTime(1900, 1, 1).Ticks, new DateTime(2100, 1, 1).Ticks),
        };
        var offset = TimeSpan.FromMinutes(random.Next(-12 * 4, (14 * 4) + 1) * 15);
        var utc = new DateTimeOffset(ticks, TimeSpan.Zero);
        var local = ticks + offset.Ticks;
        return local < DateTimeOffset.MinValue.Ticks || local > DateTimeOffset.MaxValue.Ticks ? utc : utc.ToOffset(offset);
    }

    private static string Garbage(Random random, int i)
    {
        if (i % 4 == 0)
        {
            return Mutate(random, string.Join(' ', Enumerable.Range(0, 5).Select(_ => "*")));
        }

        var text = new StringBuilder();
        var fields = random.Next(0, 8);
        for (var f = 0; f < fields; f++)
        {
            if (f > 0)
            {
                text.Append(random.Next(8) == 0 ? "\t " : " ");
            }

            var length = random.Next(0, 9);
            for (var c = 0; c < length; c++)
            {
                text.Append(random.Next(10) == 0 ? (char)random.Next(0, 0x10000) : CronAlphabet[random.Next(CronAlphabet.Length)]);
            }
        }

        return text.ToString();
    }

    private static string Mutate(Random random, string text)
    {
        var chars = new StringBuilder(text);
        for (var edits = random.Next(1, 4); edits > 0; edits--)
        {
            var position = random.Next(chars.Length + 1);
            var c = random.Next(8) == 0 ? (char)random.Next(0, 0x10000) : CronAlphabet[random.Next(CronAlphabet.Length)];
            switch (random.Next(3))
            {
                case 0:
                    chars.Insert(position, c);
                    break;
                case 1 when position < chars.Length:
                    chars.Remove(position, 1);
                    break;
                default:
                    if (position < chars.Length)
                    {
                        chars[position] = c;
                    }

                    break;
            }
        }

        return chars.ToString();
    }

    private static string Escape(string text) =>
        string.Concat(text.Select(c => c is >= ' ' and < '\x7f' ? c.ToString() : $"\\u{(int)c:X4}"));
}
