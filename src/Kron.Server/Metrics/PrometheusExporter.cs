using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Numerics;
using System.Reflection;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Kron.Server.Metrics;

/// <summary>
/// Listens to the node's <see cref="System.Diagnostics.Metrics"/> instruments, aggregates them in memory and renders
/// them in the Prometheus text exposition format 0.0.4.
/// </summary>
/// <remarks>
/// Hand-written on purpose: no Prometheus exporter package (prometheus-net, OpenTelemetry.Exporter.Prometheus.AspNetCore)
/// is available from the package registry here, and what <c>/metrics</c> needs is small. It follows the
/// OpenTelemetry → Prometheus compatibility rules for names, units and types (<see cref="PrometheusNames"/>), so the
/// families are named as an OpenTelemetry collector would name them.
/// <para>
/// Scoping: several nodes can run in one process (the tests do), each with its own DI container and its own
/// <see cref="IMeterFactory"/>. Meters such as <c>Kron</c> and <c>Microsoft.AspNetCore.Hosting</c> are created through
/// that factory, so their <see cref="Meter.Scope"/> is it; only those whose scope is this node's factory are exported,
/// or a node would report its neighbour's runs. Process-wide meters (<c>System.Runtime</c>) have no scope and are
/// exported by every node.
/// </para>
/// </remarks>
internal sealed partial class PrometheusExporter : IDisposable
{
    /// <summary>The meters created through the node's <see cref="IMeterFactory"/>.</summary>
    public static readonly IReadOnlyList<string> NodeMeters = ["Kron", "Microsoft.AspNetCore.Hosting"];

    /// <summary>Process-wide meters: the .NET runtime's (GC, JIT, thread pool, CPU, memory, exceptions).</summary>
    public static readonly IReadOnlyList<string> ProcessMeters = ["System.Runtime"];

    private readonly IMeterFactory _meterFactory;
    private readonly HashSet<string> _nodeMeters;
    private readonly HashSet<string> _processMeters;
    private readonly ConcurrentDictionary<string, MetricFamily> _families = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();
    private readonly Lock _scrapeGate = new();
    private readonly ILogger _logger;
    private readonly string? _version;
    private readonly double _processStartTime;

    /// <summary>The node's exporter: its own <c>Kron</c> and ASP.NET Core meters, the runtime's, build info and start time.</summary>
    public PrometheusExporter(IMeterFactory meterFactory, ILogger<PrometheusExporter> logger)
        : this(meterFactory, NodeMeters, ProcessMeters, processFamilies: true, logger)
    {
    }

    /// <param name="meterFactory">The node's factory: meters in <paramref name="nodeMeters"/> are exported only when created through it.</param>
    /// <param name="nodeMeters">Meter names exported when their scope is <paramref name="meterFactory"/>.</param>
    /// <param name="processMeters">Meter names exported whatever their scope.</param>
    /// <param name="processFamilies">Whether to add <c>kron_build_info</c> and <c>process_start_time_seconds</c>.</param>
    /// <param name="logger">Where failing observable callbacks are reported; null for none.</param>
    public PrometheusExporter(IMeterFactory meterFactory, IEnumerable<string> nodeMeters, IEnumerable<string> processMeters, bool processFamilies, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meterFactory = meterFactory;
        _nodeMeters = [.. nodeMeters];
        _processMeters = [.. processMeters];
        _logger = logger ?? NullLogger.Instance;
        if (processFamilies)
        {
            _version = typeof(PrometheusExporter).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
            using var process = Process.GetCurrentProcess();
            _processStartTime = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        }

        _listener.InstrumentPublished = OnInstrumentPublished;
        _listener.SetMeasurementEventCallback<byte>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<short>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<long>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<float>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, v, tags, state) => ((MetricFamily)state!).Record(v, tags));
        _listener.SetMeasurementEventCallback<decimal>(static (_, v, tags, state) => ((MetricFamily)state!).Record((double)v, tags));
        _listener.Start();
    }

    /// <summary>The exposition: observable instruments are read now, then every family with a series, sorted by name.</summary>
    public string Scrape()
    {
        var text = new StringBuilder(16 * 1024);
        lock (_scrapeGate)
        {
            foreach (var family in _families.Values.Where(f => f.IsObservable))
            {
                family.Clear();
            }

            try
            {
                _listener.RecordObservableInstruments();
            }
            catch (AggregateException e)
            {
                // The other instruments were observed; export them and say which callback failed.
                Log.ObservationFailed(_logger, e);
            }

            foreach (var family in _families.Values.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                family.WriteTo(text);
            }
        }

        if (_version is not null)
        {
            text.Append("# HELP kron_build_info The Kron version this node runs; always 1.\n# TYPE kron_build_info gauge\n");
            MetricFamily.Sample(text, "kron_build_info", $"version=\"{PrometheusNames.EscapeLabelValue(_version)}\"", null, 1);
            text.Append("# HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.\n# TYPE process_start_time_seconds gauge\n");
            MetricFamily.Sample(text, "process_start_time_seconds", "", null, _processStartTime);
        }

        return text.ToString();
    }

    public void Dispose() => _listener.Dispose();

    private void OnInstrumentPublished(Instrument instrument, MeterListener listener)
    {
        var meter = instrument.Meter;
        var exported = _processMeters.Contains(meter.Name) || (_nodeMeters.Contains(meter.Name) && ReferenceEquals(meter.Scope, _meterFactory));
        if (!exported || KindOf(instrument) is not var (kind, addsUp))
        {
            return;
        }

        var name = PrometheusNames.MetricName(instrument.Name, instrument.Unit, kind);
        var family = _families.GetOrAdd(
            name,
            static (name, args) => new MetricFamily(
                name,
                string.IsNullOrWhiteSpace(args.Instrument.Description) ? args.Instrument.Name : args.Instrument.Description,
                args.Kind,
                args.Instrument.IsObservable,
                args.AddsUp,
                args.Instrument.Unit,
                AdvisedBounds(args.Instrument)),
            (Instrument: instrument, Kind: kind, AddsUp: addsUp));

        // Two instruments with one name and different types would make an invalid exposition: the first one wins.
        if (family.Kind == kind && family.IsObservable == instrument.IsObservable && family.AddsUp == (addsUp && !instrument.IsObservable))
        {
            listener.EnableMeasurementEvents(instrument, family);
        }
    }

    /// <summary>The family type, and whether measurements are increments: up-down counters are gauges that add up.</summary>
    private static (MetricKind Kind, bool AddsUp)? KindOf(Instrument instrument)
    {
        var type = instrument.GetType();
        var definition = type.IsGenericType ? type.GetGenericTypeDefinition() : type;
        return definition == typeof(Counter<>) ? (MetricKind.Counter, true)
            : definition == typeof(ObservableCounter<>) ? (MetricKind.Counter, false)
            : definition == typeof(UpDownCounter<>) ? (MetricKind.Gauge, true)
            : definition == typeof(ObservableUpDownCounter<>) || definition == typeof(Gauge<>) || definition == typeof(ObservableGauge<>) ? (MetricKind.Gauge, false)
            : definition == typeof(Histogram<>) ? (MetricKind.Histogram, false)
            : null;
    }

    /// <summary>The bucket bounds the instrument's author advised (<see cref="InstrumentAdvice{T}.HistogramBucketBoundaries"/>).</summary>
    private static double[]? AdvisedBounds(Instrument instrument) =>
        Bounds<double>(instrument) ?? Bounds<float>(instrument) ?? Bounds<long>(instrument) ?? Bounds<int>(instrument)
        ?? Bounds<short>(instrument) ?? Bounds<byte>(instrument) ?? Bounds<decimal>(instrument);

    private static double[]? Bounds<T>(Instrument instrument)
        where T : struct, INumberBase<T> =>
        (instrument as Instrument<T>)?.Advice?.HistogramBucketBoundaries is { } bounds ? [.. bounds.Select(double.CreateTruncating)] : null;

    private static partial class Log
    {
        [LoggerMessage(EventId = 2000, Level = LogLevel.Warning, Message = "Reading observable instruments for /metrics failed; the others are exported")]
        public static partial void ObservationFailed(ILogger logger, Exception exception);
    }
}
