using System.Diagnostics.Metrics;
using Kron.Server.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Server.Tests;

/// <summary>
/// The exporter on its own: a private <c>Kron</c> meter from a private <see cref="IMeterFactory"/>, and the exact text
/// each kind of instrument becomes.
/// </summary>
public sealed class MetricsExporterTests : IDisposable
{
    private static readonly string[] DefaultSecondsBounds = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"];

    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly IMeterFactory _factory;
    private readonly Meter _meter;
    private readonly PrometheusExporter _exporter;

    public MetricsExporterTests()
    {
        _factory = _services.GetRequiredService<IMeterFactory>();
        _exporter = new PrometheusExporter(_factory, ["Kron"], [], processFamilies: false);
        _meter = _factory.Create("Kron");
    }

    [Fact]
    public void Scrape_Counter_SumsPerTagSetWithTotalSuffixSortedByLabels()
    {
        var runs = _meter.CreateCounter<long>("kron.runs", "{run}", "Run attempts finished, by outcome.");

        runs.Add(2, new KeyValuePair<string, object?>("outcome", "succeeded"));
        runs.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        runs.Add(3, new KeyValuePair<string, object?>("outcome", "succeeded"));

        Assert.Equal(
            Lines(
                "# HELP kron_runs_total Run attempts finished, by outcome.",
                "# TYPE kron_runs_total counter",
                "kron_runs_total{outcome=\"failed\"} 1",
                "kron_runs_total{outcome=\"succeeded\"} 5"),
            _exporter.Scrape());
    }

    [Fact]
    public void Scrape_TagsInAnotherOrder_AreTheSameSeries()
    {
        var runs = _meter.CreateCounter<long>("kron.runs", "{run}", "Runs.");

        runs.Add(1, new KeyValuePair<string, object?>("a", "x"), new KeyValuePair<string, object?>("b", 2));
        runs.Add(1, new KeyValuePair<string, object?>("b", 2), new KeyValuePair<string, object?>("a", "x"));
        runs.Add(1);

        Assert.Equal(
            Lines("# HELP kron_runs_total Runs.", "# TYPE kron_runs_total counter", "kron_runs_total 1", "kron_runs_total{a=\"x\",b=\"2\"} 2"),
            _exporter.Scrape());
    }

    [Fact]
    public void Scrape_HistogramWithAdvisedBounds_CumulativeBucketsSumAndCount()
    {
        var lag = _meter.CreateHistogram<double>(
            "kron.fire_lag",
            "s",
            "How late runs started.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.5, 1, 10] });

        foreach (var seconds in new[] { 0.25, 0.5, 1, 20 })
        {
            lag.Record(seconds);
        }

        Assert.Equal(
            Lines(
                "# HELP kron_fire_lag_seconds How late runs started.",
                "# TYPE kron_fire_lag_seconds histogram",
                "kron_fire_lag_seconds_bucket{le=\"0.5\"} 2",
                "kron_fire_lag_seconds_bucket{le=\"1\"} 3",
                "kron_fire_lag_seconds_bucket{le=\"10\"} 3",
                "kron_fire_lag_seconds_bucket{le=\"+Inf\"} 4",
                "kron_fire_lag_seconds_sum 21.75",
                "kron_fire_lag_seconds_count 4"),
            _exporter.Scrape());
    }

    [Fact]
    public void Scrape_HistogramWithTagsAndNoAdvice_DefaultSecondsBoundsAfterTheTags()
    {
        var roundTrip = _meter.CreateHistogram<double>("kron.db.round_trip", "s", "Database calls.");

        roundTrip.Record(0.003, new KeyValuePair<string, object?>("operation", "claim_runs"));

        var buckets = _exporter.Scrape().Split('\n').Where(l => l.StartsWith("kron_db_round_trip_seconds_bucket", StringComparison.Ordinal)).ToList();
        Assert.Equal(
            [.. DefaultSecondsBounds.Select(le => $"kron_db_round_trip_seconds_bucket{{operation=\"claim_runs\",le=\"{le}\"}} 1")],
            buckets);
    }

    [Fact]
    public void Scrape_GaugesAndUpDownCounters_CurrentValueWithoutTotal()
    {
        var active = _meter.CreateUpDownCounter<int>("kron.active", "{run}", "Active runs.");
        var temperature = _meter.CreateGauge<double>("kron.load", "1", "Load.");

        active.Add(5);
        active.Add(-2);
        temperature.Record(0.75);
        temperature.Record(0.5);

        Assert.Equal(
            Lines(
                "# HELP kron_active Active runs.",
                "# TYPE kron_active gauge",
                "kron_active 3",
                "# HELP kron_load_ratio Load.",
                "# TYPE kron_load_ratio gauge",
                "kron_load_ratio 0.5"),
            _exporter.Scrape());
    }

    [Fact]
    public void Scrape_ObservableInstruments_ReadAtScrapeTimeAndTagSetsNoLongerReportedDisappear()
    {
        var queues = new List<Measurement<long>>
        {
            new(7, new KeyValuePair<string, object?>("queue", "mail")),
            new(2, new KeyValuePair<string, object?>("queue", "bulk")),
        };
        _meter.CreateObservableGauge("kron.queue.depth", () => queues.ToArray(), "{run}", "Runs queued per worker queue.");
        _meter.CreateObservableCounter("kron.pulls", () => 42L, "{pull}", "Pulls since start.");

        var first = _exporter.Scrape();
        queues.RemoveAt(1);
        var second = _exporter.Scrape();

        Assert.Equal(
            Lines(
                "# HELP kron_pulls_total Pulls since start.",
                "# TYPE kron_pulls_total counter",
                "kron_pulls_total 42",
                "# HELP kron_queue_depth Runs queued per worker queue.",
                "# TYPE kron_queue_depth gauge",
                "kron_queue_depth{queue=\"bulk\"} 2",
                "kron_queue_depth{queue=\"mail\"} 7"),
            first);
        Assert.DoesNotContain("bulk", second, StringComparison.Ordinal);
        Assert.Contains("kron_queue_depth{queue=\"mail\"} 7\n", second, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_ObservableCallbackThrows_TheOtherInstrumentsAreStillExported()
    {
        _meter.CreateObservableGauge<long>("kron.broken", ReadDatabase, "{run}", "Broken.");
        _meter.CreateObservableGauge("kron.fine", () => 1L, "{run}", "Fine.");

        var text = _exporter.Scrape();

        Assert.Contains("kron_fine 1\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("kron_broken", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Scrape_LabelsAndHelp_SanitizedAndEscaped()
    {
        var requests = _meter.CreateCounter<long>("kron.requests", null, "Line one\nC:\\path");

        requests.Add(
            1,
            new KeyValuePair<string, object?>("http.route", "a\\b\"c\nd"),
            new KeyValuePair<string, object?>("status", 200),
            new KeyValuePair<string, object?>("ok", true),
            new KeyValuePair<string, object?>("2xx", null));

        Assert.Equal(
            Lines(
                "# HELP kron_requests_total Line one\\nC:\\\\path",
                "# TYPE kron_requests_total counter",
                "kron_requests_total{_2xx=\"\",http_route=\"a\\\\b\\\"c\\nd\",ok=\"true\",status=\"200\"} 1"),
            _exporter.Scrape());
    }

    [Fact]
    public void Scrape_NoDescription_HelpIsTheInstrumentName()
    {
        _meter.CreateCounter<long>("kron.bare").Add(1);

        Assert.Equal(Lines("# HELP kron_bare_total kron.bare", "# TYPE kron_bare_total counter", "kron_bare_total 1"), _exporter.Scrape());
    }

    [Fact]
    public void Scrape_InstrumentWithoutMeasurements_IsLeftOut()
    {
        _meter.CreateCounter<long>("kron.never");

        Assert.Equal("", _exporter.Scrape());
    }

    [Fact]
    public void Scrape_KronMeterOfAnotherFactory_IsNotExported()
    {
        using var neighbour = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var theirs = neighbour.GetRequiredService<IMeterFactory>().Create("Kron");
        using var unscoped = new Meter("Kron");
        using var otherName = _factory.Create("Kron.Other");
        _meter.CreateCounter<long>("kron.runs", "{run}", "Mine.").Add(1);

        theirs.CreateCounter<long>("kron.runs", "{run}", "Theirs.").Add(100);
        unscoped.CreateCounter<long>("kron.runs", "{run}", "Nobody's.").Add(1000);
        otherName.CreateCounter<long>("kron.other", "{run}", "Other meter.").Add(1);

        Assert.Equal(Lines("# HELP kron_runs_total Mine.", "# TYPE kron_runs_total counter", "kron_runs_total 1"), _exporter.Scrape());
    }

    [Fact]
    public void Scrape_RuntimeMeterAndProcessFamilies_AreExportedWhateverTheScope()
    {
        using var exporter = new PrometheusExporter(_factory, ["Kron"], PrometheusExporter.ProcessMeters, processFamilies: true);

        var text = exporter.Scrape();

        Assert.Contains("# TYPE dotnet_process_cpu_time_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("dotnet_process_cpu_time_seconds_total{cpu_mode=\"user\"} ", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_process_memory_working_set_bytes gauge\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_collections_total counter\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^kron_build_info\{version=""[^""]+""\} 1$", text);
        var start = double.Parse(text.Split('\n').Single(l => l.StartsWith("process_start_time_seconds ", StringComparison.Ordinal))[27..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(start, TimeProvider.System.GetUtcNow().AddDays(-1).ToUnixTimeSeconds(), TimeProvider.System.GetUtcNow().ToUnixTimeSeconds() + 1);
    }

    [Fact]
    public async Task Record_ManyThreadsOnOneSeries_NothingIsLost()
    {
        var runs = _meter.CreateCounter<long>("kron.runs", "{run}", "Runs.");
        var lag = _meter.CreateHistogram<double>("kron.fire_lag", "s", "Lag.");

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                runs.Add(1, new KeyValuePair<string, object?>("outcome", i % 2 == 0 ? "succeeded" : "failed"));
                lag.Record(0.5);
            }
        })));

        var text = _exporter.Scrape();
        Assert.Contains("kron_runs_total{outcome=\"failed\"} 20000\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_runs_total{outcome=\"succeeded\"} 20000\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_fire_lag_seconds_count 40000\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_fire_lag_seconds_sum 20000\n", text, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        _exporter.Dispose();
        _services.Dispose();
    }

    private static long ReadDatabase() => throw new InvalidOperationException("database down");

    private static string Lines(params string[] lines) => string.Concat(lines.Select(l => l + "\n"));
}
