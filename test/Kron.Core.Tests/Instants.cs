using System.Globalization;
using Kron.Core.Cron;

namespace Kron.Core.Tests;

/// <summary>Instants and zones written the way the spec writes them, so test tables read like spec/cron.md.</summary>
internal static class Instants
{
    private static readonly string[] Formats = ["yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];

    /// <summary>Parses <c>2025-03-09T03:00-04:00</c> or <c>2025-01-01T00:15Z</c>; an offset is required.</summary>
    public static DateTimeOffset Parse(string text) =>
        DateTimeOffset.ParseExact(text, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None);

    /// <summary>Local time, offset and instant in one string, so that a comparison checks all three.</summary>
    public static string Show(DateTimeOffset? instant) =>
        instant is { } i ? i.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) : "(none)";

    public static TimeZoneInfo Zone(string name) =>
        name == "UTC" ? TimeZoneInfo.Utc : TimeZoneInfo.FindSystemTimeZoneById(name);

    /// <summary>The chain of up to <paramref name="count"/> next occurrences, each strictly after the one before.</summary>
    public static string[] NextOccurrences(CronExpression expression, TimeZoneInfo zone, DateTimeOffset after, int count)
    {
        var result = new List<string>();
        DateTimeOffset? next = after;
        for (var i = 0; i < count; i++)
        {
            next = next is { } n ? expression.GetNextOccurrence(n, zone) : null;
            result.Add(Show(next));
        }

        return [.. result];
    }

    public static string[] ShowAll(IEnumerable<string> expected) => [.. expected.Select(e => Show(Parse(e)))];
}
