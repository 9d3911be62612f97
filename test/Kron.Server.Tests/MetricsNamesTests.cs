using Kron.Server.Metrics;

namespace Kron.Server.Tests;

/// <summary>The OpenTelemetry → Prometheus naming rules and the text format's number and escape rules.</summary>
public sealed class MetricsNamesTests
{
    [Theory]
    [InlineData("kron.fire_lag", "s", "Histogram", "kron_fire_lag_seconds")]
    [InlineData("kron.runs", "{run}", "Counter", "kron_runs_total")]
    [InlineData("kron.queue.depth", "{run}", "Gauge", "kron_queue_depth")]
    [InlineData("dotnet.process.cpu.time", "s", "Counter", "dotnet_process_cpu_time_seconds_total")]
    [InlineData("dotnet.gc.heap.total_allocated", "By", "Counter", "dotnet_gc_heap_total_allocated_bytes_total")]
    [InlineData("dotnet.process.memory.working_set", "By", "Gauge", "dotnet_process_memory_working_set_bytes")]
    [InlineData("http.server.request.duration", "s", "Histogram", "http_server_request_duration_seconds")]
    [InlineData("request.latency_seconds", "s", "Histogram", "request_latency_seconds")]
    [InlineData("render.time", "ms", "Histogram", "render_time_milliseconds")]
    [InlineData("requests.total", "{request}", "Counter", "requests_total")]
    [InlineData("cpu.utilization", "1", "Gauge", "cpu_utilization_ratio")]
    [InlineData("things", "1", "Counter", "things_total")]
    [InlineData("speed", "m/s", "Gauge", "speed_meters_per_second")]
    [InlineData("rate", "{request}/s", "Gauge", "rate_per_second")]
    [InlineData("odd-name..with spaces", null, "Gauge", "odd_name_with_spaces")]
    [InlineData("2xx.responses", "", "Counter", "_2xx_responses_total")]
    public void MetricName_OpenTelemetryInstrument_FollowsTheCompatibilityRules(string name, string? unit, string kind, string expected) =>
        Assert.Equal(expected, PrometheusNames.MetricName(name, unit, Enum.Parse<MetricKind>(kind)));

    [Theory]
    [InlineData("http.route", "http_route")]
    [InlineData("gc.heap.generation", "gc_heap_generation")]
    [InlineData("outcome", "outcome")]
    [InlineData("9lives", "_9lives")]
    public void LabelName_TagKey_IsSanitized(string key, string expected) => Assert.Equal(expected, PrometheusNames.LabelName(key));

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1e21, "1E+21")]
    [InlineData(-3.0, "-3")]
    public void Format_Double_IsInvariantWithPrometheusInfinities(double value, string expected) =>
        Assert.Equal(expected, PrometheusNames.Format(value));

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("\"quoted\"", "\\\"quoted\\\"")]
    [InlineData("two\nlines", "two\\nlines")]
    public void EscapeLabelValue_SpecialCharacters_AreEscaped(string value, string expected) =>
        Assert.Equal(expected, PrometheusNames.EscapeLabelValue(value));
}
