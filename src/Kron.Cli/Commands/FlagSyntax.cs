using System.CommandLine;
using System.Globalization;
using System.Text.RegularExpressions;
using Kron.Protocol;

namespace Kron.Cli.Commands;

/// <summary>The value syntaxes of client flags: durations (<c>PT30S</c> or <c>30s</c>) and <c>KEY=VALUE</c> pairs.</summary>
internal static partial class FlagSyntax
{
    public const string DurationHelp = "ISO 8601 such as PT30S, or 30s, 5m, 1h, 1h30m, 1d, 250ms";

    /// <summary>
    /// Parses an ISO 8601 duration (<c>PT30S</c>, <c>P1D</c>) or a sequence of number-unit pairs (<c>30s</c>, <c>1h30m</c>,
    /// <c>0.5s</c>) with units <c>d</c>, <c>h</c>, <c>m</c>, <c>s</c> and <c>ms</c>.
    /// </summary>
    public static TimeSpan ParseDuration(string flag, string text, bool allowZero)
    {
        var trimmed = text.Trim();
        if (!TryParseDuration(trimmed, out var duration))
        {
            throw new InvalidInputException($"{flag}: \"{text}\" is not a duration; write it as {DurationHelp}");
        }

        if (duration < TimeSpan.Zero || (!allowZero && duration == TimeSpan.Zero))
        {
            throw new InvalidInputException($"{flag}: the duration must be {(allowZero ? "zero or more" : "more than zero")}, not \"{text}\"");
        }

        return duration;
    }

    /// <summary>Restricts <paramref name="option"/> to <paramref name="values"/>, with a one-line error that lists them.</summary>
    public static void AcceptOnly(Option<string?> option, params string[] values)
    {
        option.CompletionSources.Add(values);
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && !values.Contains(value, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name} must be one of {string.Join(", ", values)}, not \"{value}\"");
            }
        });
    }

    /// <summary>Parses repeated <c>KEY=VALUE</c> flags; the value may be empty and may contain <c>=</c>.</summary>
    public static Dictionary<string, string>? ParsePairs(string flag, IReadOnlyList<string> values, StringComparer keyComparer)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var pairs = new Dictionary<string, string>(keyComparer);
        foreach (var value in values)
        {
            var equals = value.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? string.Empty : value[..equals].Trim();
            if (key.Length == 0)
            {
                throw new InvalidInputException($"{flag}: \"{value}\" is not KEY=VALUE; write it like {flag} NAME=value");
            }

            if (!pairs.TryAdd(key, value[(equals + 1)..]))
            {
                throw new InvalidInputException($"{flag}: \"{key}\" is given more than once");
            }
        }

        return pairs;
    }

    private static bool TryParseDuration(string text, out TimeSpan duration)
    {
        if (text.StartsWith('P') || text.StartsWith('p'))
        {
            return ProtocolJson.TryParseDuration(text.ToUpperInvariant(), out duration);
        }

        duration = TimeSpan.Zero;
        var match = ShortDuration().Match(text);
        if (!match.Success)
        {
            return false;
        }

        try
        {
            for (var i = 0; i < match.Groups["number"].Captures.Count; i++)
            {
                var number = double.Parse(match.Groups["number"].Captures[i].Value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                duration += match.Groups["unit"].Captures[i].Value switch
                {
                    "d" => TimeSpan.FromDays(number),
                    "h" => TimeSpan.FromHours(number),
                    "m" => TimeSpan.FromMinutes(number),
                    "s" => TimeSpan.FromSeconds(number),
                    _ => TimeSpan.FromMilliseconds(number),
                };
            }

            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^(?:(?<number>[0-9]+(?:\.[0-9]+)?)(?<unit>ms|d|h|m|s))+$", RegexOptions.CultureInvariant)]
    private static partial Regex ShortDuration();
}
