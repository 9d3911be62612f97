using System.Globalization;
using System.Text;

namespace Kron.Server.Metrics;

/// <summary>
/// The OpenTelemetry → Prometheus compatibility rules for names, and the text format's escaping: <c>kron.fire_lag</c>
/// with unit <c>s</c> is <c>kron_fire_lag_seconds</c>, the counter <c>kron.runs</c> is <c>kron_runs_total</c>.
/// </summary>
/// <remarks>
/// Invalid characters become <c>_</c> (runs of them one <c>_</c>), a leading digit gets a <c>_</c> in front; the unit
/// is spelled out as a suffix unless the name already ends with it (UCUM annotations in braces, <c>{run}</c>, are
/// dropped); <c>1</c> is <c>_ratio</c> on gauges only (a counter of ratios makes no sense); counters end in
/// <c>_total</c>.
/// </remarks>
internal static class PrometheusNames
{
    private static readonly Dictionary<string, string> Units = new(StringComparer.Ordinal)
    {
        ["d"] = "days", ["h"] = "hours", ["min"] = "minutes", ["s"] = "seconds", ["ms"] = "milliseconds",
        ["us"] = "microseconds", ["ns"] = "nanoseconds", ["By"] = "bytes", ["KiBy"] = "kibibytes", ["MiBy"] = "mebibytes",
        ["GiBy"] = "gibibytes", ["KBy"] = "kilobytes", ["MBy"] = "megabytes", ["GBy"] = "gigabytes", ["bit"] = "bits",
        ["m"] = "meters", ["V"] = "volts", ["A"] = "amperes", ["J"] = "joules", ["W"] = "watts", ["g"] = "grams",
        ["Cel"] = "celsius", ["Hz"] = "hertz", ["%"] = "percent",
    };

    private static readonly Dictionary<string, string> PerUnits = new(StringComparer.Ordinal)
    {
        ["s"] = "second", ["m"] = "minute", ["min"] = "minute", ["h"] = "hour", ["d"] = "day", ["w"] = "week", ["mo"] = "month", ["y"] = "year",
    };

    /// <summary>The metric family's name: sanitized, with the unit's suffix and, for counters, <c>_total</c>.</summary>
    public static string MetricName(string instrumentName, string? unit, MetricKind kind)
    {
        var name = Sanitize(instrumentName);
        if (kind == MetricKind.Counter && name.EndsWith("_total", StringComparison.Ordinal))
        {
            name = name[..^"_total".Length];
        }

        var suffix = UnitSuffix(unit, kind);
        if (suffix.Length > 0 && !name.EndsWith("_" + suffix, StringComparison.Ordinal))
        {
            name += "_" + suffix;
        }

        return kind == MetricKind.Counter ? name + "_total" : name;
    }

    /// <summary>A label name: the metric name's character rules.</summary>
    public static string LabelName(string key) => Sanitize(key);

    /// <summary>Characters outside <c>[a-zA-Z0-9_]</c> become <c>_</c>, runs of <c>_</c> one, a leading digit gets a <c>_</c>.</summary>
    public static string Sanitize(string name)
    {
        var text = new StringBuilder(name.Length + 1);
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            text.Append('_');
        }

        foreach (var c in name)
        {
            var next = char.IsAsciiLetterOrDigit(c) ? c : '_';
            if (next != '_' || text.Length == 0 || text[^1] != '_')
            {
                text.Append(next);
            }
        }

        return text.ToString();
    }

    /// <summary>The suffix a unit adds: <c>seconds</c>, <c>bytes</c>, <c>meters_per_second</c>; empty for annotations and unknown units.</summary>
    public static string UnitSuffix(string? unit, MetricKind kind)
    {
        var text = StripAnnotations(unit);
        if (text.Length == 0)
        {
            return "";
        }

        if (text == "1")
        {
            return kind == MetricKind.Gauge ? "ratio" : "";
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0)
        {
            return Sanitize(Units.GetValueOrDefault(text, text)).Trim('_');
        }

        var (over, per) = (text[..slash], text[(slash + 1)..]);
        var perText = Sanitize(PerUnits.GetValueOrDefault(per, per)).Trim('_');
        var overText = over.Length == 0 ? "" : Sanitize(Units.GetValueOrDefault(over, over)).Trim('_');
        return perText.Length == 0 ? overText : overText.Length == 0 ? "per_" + perText : $"{overText}_per_{perText}";
    }

    /// <summary>A label value between double quotes: <c>\</c>, <c>"</c> and line feeds escaped.</summary>
    public static string EscapeLabelValue(string value) =>
        value.AsSpan().IndexOfAny("\\\"\n") < 0 ? value : value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>HELP text: <c>\</c> and line feeds escaped.</summary>
    public static string EscapeHelp(string help) =>
        help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);

    /// <summary>A sample value or <c>le</c> bound as the text format writes floats: invariant, <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string Format(double value) =>
        double.IsNaN(value) ? "NaN"
        : double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A tag value as a label value: invariant text, booleans in lower case.</summary>
    public static string LabelValue(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        double d => Format(d),
        float f => Format(f),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string StripAnnotations(string? unit)
    {
        if (string.IsNullOrEmpty(unit))
        {
            return "";
        }

        var text = new StringBuilder(unit.Length);
        var depth = 0;
        foreach (var c in unit)
        {
            depth += c == '{' ? 1 : 0;
            if (depth == 0)
            {
                text.Append(c);
            }

            depth -= c == '}' && depth > 0 ? 1 : 0;
        }

        return text.ToString().Trim();
    }
}
