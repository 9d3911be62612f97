using System.Collections.Concurrent;
using System.Text;

namespace Kron.Server.Metrics;

/// <summary>How a family aggregates and what its <c># TYPE</c> says.</summary>
internal enum MetricKind
{
    /// <summary>Monotonic: a cumulative sum per tag set (<c>Counter</c>, <c>ObservableCounter</c>).</summary>
    Counter,

    /// <summary>The current value per tag set (gauges and up-down counters).</summary>
    Gauge,

    /// <summary>Cumulative buckets, sum and count per tag set.</summary>
    Histogram,
}

/// <summary>
/// One Prometheus metric family: the series of one instrument (or of several whose names collide with the same type),
/// one per tag set. Recording finds an existing series without allocating: the dictionary is looked up by the
/// measurement's tag span through an alternate comparer, and the tag set is copied only the first time it is seen.
/// </summary>
internal sealed class MetricFamily
{
    private static readonly double[] DefaultSecondsBounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly double[] DefaultBounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

    private readonly ConcurrentDictionary<TagSet, MetricSeries> _series = new(TagSetComparer.Instance);
    private readonly ConcurrentDictionary<TagSet, MetricSeries>.AlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>> _lookup;
    private readonly Func<TagSet, MetricSeries> _newSeries;

    /// <param name="name">The Prometheus name.</param>
    /// <param name="help">The HELP text, unescaped.</param>
    /// <param name="kind">The TYPE and the aggregation.</param>
    /// <param name="observable">Observed at scrape time: every measurement is the current value.</param>
    /// <param name="addsUp">Measurements are increments (counters and up-down counters) rather than values (gauges).</param>
    /// <param name="unit">The instrument's unit, for the default histogram bounds.</param>
    /// <param name="bounds">The advised histogram bounds, if any.</param>
    public MetricFamily(string name, string help, MetricKind kind, bool observable, bool addsUp, string? unit, IReadOnlyList<double>? bounds)
    {
        Name = name;
        Help = help;
        Kind = kind;
        IsObservable = observable;
        AddsUp = addsUp && !observable;
        Bounds = kind != MetricKind.Histogram ? []
            : bounds is { Count: > 0 } ? [.. bounds.Where(b => !double.IsNaN(b) && !double.IsInfinity(b)).Distinct().Order()]
            : unit == "s" ? DefaultSecondsBounds : DefaultBounds;
        _lookup = _series.GetAlternateLookup<ReadOnlySpan<KeyValuePair<string, object?>>>();
        _newSeries = tags => new MetricSeries(tags, Kind == MetricKind.Histogram ? Bounds.Length + 1 : 0);
    }

    public string Name { get; }

    public string Help { get; }

    public MetricKind Kind { get; }

    /// <summary>Observed at scrape time: its series are cleared first, so tag sets no longer reported disappear.</summary>
    public bool IsObservable { get; }

    /// <summary>Measurements are increments to sum (counters and up-down counters), not the current value.</summary>
    public bool AddsUp { get; }

    /// <summary>The histogram's finite upper bounds, ascending (empty for other kinds).</summary>
    public double[] Bounds { get; }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_lookup.TryGetValue(tags, out var series))
        {
            series = _series.GetOrAdd(TagSet.Create(tags), _newSeries);
        }

        if (Kind == MetricKind.Histogram)
        {
            series.Observe(value, Bounds);
        }
        else if (AddsUp)
        {
            series.Add(value);
        }
        else
        {
            // Gauges, and observable counters, which report their cumulative value.
            series.Set(value);
        }
    }

    public void Clear() => _series.Clear();

    /// <summary>Appends <c># HELP</c>, <c># TYPE</c> and every series (sorted by labels); nothing when there is no series.</summary>
    public void WriteTo(StringBuilder text)
    {
        var series = _series.Values.OrderBy(s => s.Tags.Labels, StringComparer.Ordinal).ToList();
        if (series.Count == 0)
        {
            return;
        }

        var type = Kind switch { MetricKind.Counter => "counter", MetricKind.Gauge => "gauge", _ => "histogram" };
        text.Append("# HELP ").Append(Name).Append(' ').Append(PrometheusNames.EscapeHelp(Help)).Append('\n');
        text.Append("# TYPE ").Append(Name).Append(' ').Append(type).Append('\n');
        foreach (var one in series)
        {
            if (Kind != MetricKind.Histogram)
            {
                Sample(text, Name, one.Tags.Labels, null, one.Value);
                continue;
            }

            var (buckets, sum, count) = one.Histogram();
            long cumulative = 0;
            for (var i = 0; i < Bounds.Length; i++)
            {
                cumulative += buckets[i];
                Sample(text, Name + "_bucket", one.Tags.Labels, PrometheusNames.Format(Bounds[i]), cumulative);
            }

            Sample(text, Name + "_bucket", one.Tags.Labels, "+Inf", count);
            Sample(text, Name + "_sum", one.Tags.Labels, null, sum);
            Sample(text, Name + "_count", one.Tags.Labels, null, count);
        }
    }

    /// <summary>One sample line: <c>name{labels,le="bound"} value</c>.</summary>
    public static void Sample(StringBuilder text, string name, string labels, string? le, double value)
    {
        text.Append(name);
        if (labels.Length > 0 || le is not null)
        {
            text.Append('{').Append(labels);
            if (le is not null)
            {
                text.Append(labels.Length > 0 ? "," : "").Append("le=\"").Append(le).Append('"');
            }

            text.Append('}');
        }

        text.Append(' ').Append(PrometheusNames.Format(value)).Append('\n');
    }
}

/// <summary>One tag set's aggregate: a sum or last value, or histogram buckets. Safe to record from any thread.</summary>
internal sealed class MetricSeries(TagSet tags, int buckets)
{
    private readonly long[] _buckets = new long[buckets];
    private readonly Lock _gate = new();
    private double _value;
    private long _count;

    public TagSet Tags { get; } = tags;

    /// <summary>The counter's sum or the gauge's last value.</summary>
    public double Value => Volatile.Read(ref _value);

    public void Add(double value)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        while (true)
        {
            var seen = Volatile.Read(ref _value);
            // Compared as bits: a sum that became infinite must not spin on an equality that floats would deny.
            if (BitConverter.DoubleToInt64Bits(Interlocked.CompareExchange(ref _value, seen + value, seen)) == BitConverter.DoubleToInt64Bits(seen))
            {
                return;
            }
        }
    }

    public void Set(double value) => Volatile.Write(ref _value, value);

    public void Observe(double value, double[] bounds)
    {
        if (double.IsNaN(value))
        {
            return;
        }

        var index = Array.BinarySearch(bounds, value);
        index = index >= 0 ? index : ~index; // the first bound >= value: "le" is inclusive
        lock (_gate)
        {
            _buckets[index]++;
            _value += value;
            _count++;
        }
    }

    /// <summary>A consistent copy: per-bucket counts (not cumulative), sum and count.</summary>
    public (long[] Buckets, double Sum, long Count) Histogram()
    {
        lock (_gate)
        {
            return ([.. _buckets], _value, _count);
        }
    }
}

/// <summary>A measurement's tags, sorted by key, with the rendered label text (<c>a="x",b="y"</c>) computed once.</summary>
internal sealed class TagSet
{
    private TagSet(KeyValuePair<string, object?>[] tags, int hash, string labels)
    {
        Tags = tags;
        Hash = hash;
        Labels = labels;
    }

    public KeyValuePair<string, object?>[] Tags { get; }

    public int Hash { get; }

    public string Labels { get; }

    public static TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var sorted = tags.ToArray();
        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        // Keys that sanitize to the same label name (a.b and a_b) are one label with the values joined by ';'.
        var labels = new List<(string Name, string Value)>();
        foreach (var (key, value) in sorted)
        {
            var name = PrometheusNames.LabelName(key);
            var text = PrometheusNames.LabelValue(value);
            var same = labels.FindIndex(l => l.Name == name);
            if (same >= 0)
            {
                labels[same] = (name, labels[same].Value + ";" + text);
            }
            else
            {
                labels.Add((name, text));
            }
        }

        var rendered = string.Join(',', labels.OrderBy(l => l.Name, StringComparer.Ordinal).Select(l => $"{l.Name}=\"{PrometheusNames.EscapeLabelValue(l.Value)}\""));
        return new TagSet(sorted, TagSetComparer.HashOf(tags), rendered);
    }
}

/// <summary>Tag sets are equal when they hold the same keys with equal values, in any order.</summary>
internal sealed class TagSetComparer : IEqualityComparer<TagSet>, IAlternateEqualityComparer<ReadOnlySpan<KeyValuePair<string, object?>>, TagSet>
{
    public static readonly TagSetComparer Instance = new();

    public static int HashOf(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var hash = tags.Length;
        foreach (var (key, value) in tags)
        {
            hash += HashCode.Combine(key, value); // a sum: independent of the order
        }

        return hash;
    }

    public bool Equals(TagSet? x, TagSet? y) => ReferenceEquals(x, y) || (x is not null && y is not null && Equals(x.Tags, y));

    public int GetHashCode(TagSet obj) => obj.Hash;

    public bool Equals(ReadOnlySpan<KeyValuePair<string, object?>> alternate, TagSet other)
    {
        if (alternate.Length != other.Tags.Length)
        {
            return false;
        }

        foreach (var (key, value) in alternate)
        {
            if (!Holds(other.Tags, key, value))
            {
                return false;
            }
        }

        return true;
    }

    public int GetHashCode(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => HashOf(alternate);

    public TagSet Create(ReadOnlySpan<KeyValuePair<string, object?>> alternate) => TagSet.Create(alternate);

    private static bool Holds(KeyValuePair<string, object?>[] tags, string key, object? value)
    {
        foreach (var tag in tags)
        {
            if (string.Equals(tag.Key, key, StringComparison.Ordinal))
            {
                return Equals(tag.Value, value);
            }
        }

        return false;
    }
}
