using System.Text;
using Kron.Core.Cron;
using Xunit.Abstractions;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// The engine against <see cref="CronReferenceModel"/> on 15,000 random (expression, zone, instant) cases, with the
/// instants concentrated around daylight-saving transitions between 1975 and 2060 and the expressions aimed at the
/// hours and dates those transitions skip or repeat. Each zone must exercise every rule R2 to R5 many times, so a
/// generator that drifts away from the transitions fails instead of passing vacuously. A fixed seed keeps every run
/// the same; a failure prints the case (expression, zone, start, expected, actual) so it can become a table row.
/// </summary>
public sealed class CronReferenceModelTests(ITestOutputHelper output)
{
    private const int Occurrences = 3;
    private static readonly TimeSpan Window = TimeSpan.FromDays(3);
    private static readonly DateTime FirstYear = new(1975, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime LastYear = new(2061, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData("UTC", 1101)]
    [InlineData("Asia/Kolkata", 1102)]
    [InlineData("America/New_York", 1103)]
    [InlineData("Europe/London", 1104)]
    [InlineData("Australia/Lord_Howe", 1105)]
    [InlineData("America/Santiago", 1106)]
    [InlineData("Pacific/Apia", 1107)]
    public void GetNextOccurrence_RandomCases_AgreesWithTheReferenceModel(string zoneName, int seed)
    {
        var zone = Instants.Zone(zoneName);
        var random = new Random(seed);
        var generator = new CronTextGenerator(random);
        var transitions = Transitions(zone);
        var cases = transitions.Count == 0 || zoneName == "Pacific/Apia" ? 1000 : 3000;
        var failures = new List<string>();
        var exercised = new Dictionary<DstRules, int> { [DstRules.R2] = 0, [DstRules.R3] = 0, [DstRules.R4] = 0, [DstRules.R5] = 0 };

        for (var i = 0; i < cases; i++)
        {
            var (after, hotHours, aim) = RandomStart(random, zone, transitions);
            var text = generator.Next(hotHours, aim);
            var expression = CronExpression.Parse(text, $"job-{i}");
            var failure = Compare(expression, zone, after, checkPrevious: i % 4 == 0, out var applied);
            if (failure is not null)
            {
                failures.Add($"\"{text}\" in {zoneName} after {Instants.Show(after)}: {failure}");
            }

            foreach (var rule in exercised.Keys.Where(r => applied.HasFlag(r)).ToList())
            {
                exercised[rule]++;
            }
        }

        output.WriteLine($"{zoneName}: {cases} cases; rules exercised: {string.Join(", ", exercised.Select(e => $"{e.Key} {e.Value}"))}");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} cases disagree; first ones:\n{string.Join('\n', failures.Take(15))}");
        if (transitions.Count > 0)
        {
            // The comparison means something only if the random cases really hit gaps and repeats.
            Assert.All(exercised, e => Assert.True(e.Value >= 40, $"{zoneName}: only {e.Value} cases exercised {e.Key}"));
        }
    }

    [Fact]
    public void Transitions_InZonesWithDaylightSaving_AreFoundByProbing()
    {
        Assert.Empty(Transitions(TimeZoneInfo.Utc));
        Assert.Empty(Transitions(Instants.Zone("Asia/Kolkata")));
        var newYork = Transitions(Instants.Zone("America/New_York"));
        Assert.Contains(Instants.Parse("2025-03-09T07:00Z").UtcDateTime, newYork);
        Assert.Contains(Instants.Parse("2025-11-02T06:00Z").UtcDateTime, newYork);
        Assert.InRange(newYork.Count, 150, 180);
        Assert.Contains(Instants.Parse("2025-10-04T15:30Z").UtcDateTime, Transitions(Instants.Zone("Australia/Lord_Howe")));
        Assert.Contains(Instants.Parse("2025-09-07T04:00Z").UtcDateTime, Transitions(Instants.Zone("America/Santiago")));
    }

    [Fact]
    public void Occurrences_OnTheSpecDaylightSavingExamples_MatchTheSpec()
    {
        var zone = Instants.Zone("America/New_York");
        var after = Instants.Parse("2025-11-02T00:45-04:00");
        var model = CronReferenceModel.Occurrences(CronExpression.Parse("30 * * * *"), zone, after, after + Window, 3);
        string[] expected = ["2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00"];
        Assert.Equal(Instants.ShowAll(expected), model.Select(o => Instants.Show(o)));

        after = Instants.Parse("2025-03-08T12:00-05:00");
        model = CronReferenceModel.Occurrences(CronExpression.Parse("30 2 * * *"), zone, after, after + Window, 3);
        expected = ["2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00"];
        Assert.Equal(Instants.ShowAll(expected), model.Select(o => Instants.Show(o)));
    }

    /// <summary>The first disagreement between engine and model for one case, or null.</summary>
    private static string? Compare(CronExpression expression, TimeZoneInfo zone, DateTimeOffset after, bool checkPrevious, out DstRules applied)
    {
        var windowEnd = after + Window;
        var expected = CronReferenceModel.Occurrences(expression, zone, after, windowEnd, Occurrences, out applied);
        var actual = new List<DateTimeOffset?>();
        DateTimeOffset? from = after;
        for (var k = 0; k < Occurrences && from is { } f; k++)
        {
            var next = expression.GetNextOccurrence(f, zone);
            actual.Add(next);
            if (k < expected.Count)
            {
                if (next is not { } n || n.UtcTicks != expected[k].UtcTicks || n.Offset != expected[k].Offset)
                {
                    return Describe(k, expected, actual);
                }
            }
            else
            {
                // The model saw nothing more in its window: the engine's answer must lie beyond it.
                if (next is { } n && n <= windowEnd)
                {
                    return Describe(k, expected, actual) + $" (model window ends {Instants.Show(windowEnd)})";
                }

                break;
            }

            from = next;
        }

        if (checkPrevious && expected.Count >= 2)
        {
            var previous = expression.GetPreviousOccurrence(expected[1], zone);
            if (previous != expected[0] || previous?.Offset != expected[0].Offset)
            {
                return $"previous before {Instants.Show(expected[1])} expected {Instants.Show(expected[0])}, actual {Instants.Show(previous)}";
            }

            var inclusive = expression.GetNextOccurrence(expected[1], zone, inclusive: true);
            if (inclusive != expected[1])
            {
                return $"inclusive next at {Instants.Show(expected[1])} gave {Instants.Show(inclusive)}";
            }

            var range = expression.GetOccurrences(after, windowEnd, zone, fromInclusive: false, toInclusive: true).Take(Occurrences);
            if (!range.Select(o => Instants.Show(o)).SequenceEqual(expected.Select(e => Instants.Show(e))))
            {
                return $"GetOccurrences gave [{string.Join(", ", range.Select(o => Instants.Show(o)))}]";
            }
        }

        return null;
    }

    private static string Describe(int index, List<DateTimeOffset> expected, List<DateTimeOffset?> actual)
    {
        var text = new StringBuilder();
        text.Append("occurrence #").Append(index + 1).Append(" expected [");
        text.AppendJoin(", ", expected.Select(e => Instants.Show(e))).Append("] actual [");
        text.AppendJoin(", ", actual.Select(Instants.Show)).Append(']');
        return text.ToString();
    }

    /// <summary>
    /// A start instant, mostly shortly before a transition (or inside the repeat after it), written with a random
    /// offset, and the local hours that the transition skips or repeats, for the generator to aim at.
    /// </summary>
    private static (DateTimeOffset After, int[] HotHours, DateTime? Aim) RandomStart(Random random, TimeZoneInfo zone, List<DateTime> transitions)
    {
        DateTime utc;
        DateTime? aim = null;
        int[] hotHours = [0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 23, 22, 4];
        if (transitions.Count == 0)
        {
            utc = FirstYear.AddMinutes(random.NextInt64((long)(LastYear - FirstYear).TotalMinutes));
        }
        else
        {
            var transition = transitions[random.Next(transitions.Count)];
            utc = transition.AddMinutes(random.Next(10) switch
            {
                < 2 => -random.Next(0, 26 * 60),
                < 4 => -random.Next(0, 3 * 60),
                < 6 => -random.Next(0, 30),
                < 8 => random.Next(-5, 6),
                < 9 => random.Next(0, 3 * 60),
                _ => random.Next(-36 * 60, (36 * 60) + 1),
            });

            // The local hours on both sides of the jump, from the earlier wall-clock time to the later one.
            var before = transition + zone.GetUtcOffset(transition.AddMinutes(-1));
            var after = transition + zone.GetUtcOffset(transition);
            var (low, high) = before < after ? (before, after) : (after, before);
            var hours = new List<int>();
            for (var local = low.AddHours(-1); local <= high; local = local.AddMinutes(30))
            {
                hours.Add(local.Hour);
            }

            hotHours = random.Next(5) == 0 ? hotHours : [.. hours];
            aim = low.Date;
        }

        if (random.Next(5) == 0)
        {
            utc = utc.AddTicks(random.NextInt64(TimeSpan.TicksPerMinute));
        }

        var offset = TimeSpan.FromMinutes(random.Next(-14 * 4, (14 * 4) + 1) * 15);
        return (new DateTimeOffset(utc).ToOffset(offset), hotHours, aim);
    }

    /// <summary>Every UTC instant between 1975 and 2060 at which the zone's offset changes, found by probing.</summary>
    private static List<DateTime> Transitions(TimeZoneInfo zone)
    {
        var found = new List<DateTime>();
        var step = TimeSpan.FromHours(6);
        var previous = zone.GetUtcOffset(FirstYear);
        for (var probe = FirstYear + step; probe < LastYear; probe += step)
        {
            var offset = zone.GetUtcOffset(probe);
            if (offset == previous)
            {
                continue;
            }

            // Bisect to the minute: the offset at low is the old one, at high the new one.
            DateTime low = probe - step, high = probe;
            while (high - low > TimeSpan.FromMinutes(1))
            {
                var middle = low + ((high - low) / 2);
                middle = new DateTime(middle.Ticks - (middle.Ticks % TimeSpan.TicksPerMinute), DateTimeKind.Utc);
                (low, high) = zone.GetUtcOffset(middle) == previous ? (middle, high) : (low, middle);
            }

            found.Add(high);
            previous = offset;
        }

        return found;
    }
}
