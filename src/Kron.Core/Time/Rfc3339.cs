using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Kron.Core.Time;

/// <summary>RFC 3339 instants as Kron reads and writes them: always with an explicit offset.</summary>
public static partial class Rfc3339
{
    private static readonly string[] Formats =
    [
        "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
        "yyyy-MM-dd'T'HH:mm:sszzz",
        "yyyy-MM-dd'T'HH:mmzzz",
    ];

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(?<fraction>\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})$")]
    private static partial System.Text.RegularExpressions.Regex Shape();

    /// <summary>Formats an instant with its own offset and whole seconds, as <c>2025-03-09T03:00:00-04:00</c>.</summary>
    public static string Format(DateTimeOffset instant) =>
        instant.ToString(
            instant.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:sszzz" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
            CultureInfo.InvariantCulture);

    /// <summary>
    /// Parses an instant with an offset (<c>Z</c> or <c>±hh:mm</c>); seconds and fractions are optional. An instant
    /// without an offset is rejected, because it does not name one moment.
    /// </summary>
    public static bool TryParse(string? text, out DateTimeOffset instant, [NotNullWhen(false)] out string? error)
    {
        instant = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "an instant is required, such as 2025-03-09T03:00:00Z";
            return false;
        }

        var normalized = text.Trim();
        var shape = Shape().Match(normalized);
        if (!shape.Success)
        {
            error = $"\"{text}\" is not an RFC 3339 instant with an offset; write it like 2025-03-09T03:00:00Z or 2025-03-09T03:00:00-05:00";
            return false;
        }

        if (shape.Groups["fraction"].Length > 8)
        {
            // .NET keeps 7 fractional digits (100 ns); RFC 3339 allows more, so cut the rest.
            normalized = normalized.Remove(shape.Groups["fraction"].Index + 8, shape.Groups["fraction"].Length - 8);
        }
        if (normalized.Length > 10 && normalized[10] is 't' or ' ')
        {
            normalized = string.Concat(normalized.AsSpan(0, 10), "T", normalized.AsSpan(11));
        }

        if (normalized.EndsWith('Z') || normalized.EndsWith('z'))
        {
            normalized = string.Concat(normalized.AsSpan(0, normalized.Length - 1), "+00:00");
        }

        if (DateTimeOffset.TryParseExact(normalized, Formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out instant))
        {
            error = null;
            return true;
        }

        error = $"\"{text}\" is not an RFC 3339 instant with an offset; write it like 2025-03-09T03:00:00Z or 2025-03-09T03:00:00-05:00";
        return false;
    }
}
