using System.Text.Json;
using Kron.Testing;
using Xunit.Abstractions;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// Issue 8: a real Prometheus server scrapes a real <c>kron serve</c> every second; the target is up without a scrape
/// error, and Kron's and the runtime's series can be queried with PromQL.
/// </summary>
public sealed class PrometheusScrapeTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly string _directory = Directory.CreateTempSubdirectory("kron-prometheus-").FullName;

    [Fact]
    public async Task Prometheus_ScrapingKronServe_TargetUpAndKronAndRuntimeSeriesQueryable()
    {
        await using var node = await KronProcess.StartAsync(Path.Combine(_directory, "kron"), new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        using var api = new KronApi(node.Url);
        await api.CreateJobAsync(new { name = "tick", every = "PT1S", target = new { type = "noop" } });
        await using var prometheus = await PrometheusServer.StartAsync(node.Url, Path.Combine(_directory, "prometheus"));
        try
        {
            var up = await QueryUntilAsync(prometheus, "up{job=\"kron\"}", s => PrometheusServer.ValueOf(s) == 1);
            var runs = await QueryUntilAsync(prometheus, "kron_runs_total{job=\"kron\",outcome=\"succeeded\"}", s => PrometheusServer.ValueOf(s) >= 1);
            var cpu = await QueryUntilAsync(prometheus, "sum(dotnet_process_cpu_time_seconds_total{job=\"kron\"})", s => PrometheusServer.ValueOf(s) > 0);
            var lag = await QueryUntilAsync(prometheus, "kron_fire_lag_seconds_count{job=\"kron\"}", s => PrometheusServer.ValueOf(s) >= 1);
            var targets = await prometheus.TargetsAsync();

            Assert.Equal(node.Url.Authority, up.GetProperty("metric").GetProperty("instance").GetString());
            Assert.Equal("kron", runs.GetProperty("metric").GetProperty("job").GetString());
            Assert.True(PrometheusServer.ValueOf(cpu) > 0);
            Assert.True(PrometheusServer.ValueOf(lag) >= 1);
            var target = Assert.Single(targets);
            Assert.Equal("up", target.GetProperty("health").GetString());
            Assert.Equal("", target.GetProperty("lastError").GetString());
            Assert.EndsWith("/metrics", target.GetProperty("scrapeUrl").GetString(), StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine($"--- prometheus log:\n{prometheus.Log}\n--- kron log:\n{node.Log}");
            throw;
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>Queries until the first sample of <paramref name="promql"/> satisfies <paramref name="holds"/>.</summary>
    private static async Task<JsonElement> QueryUntilAsync(PrometheusServer prometheus, string promql, Func<JsonElement, bool> holds)
    {
        var sample = await Eventually.GetAsync<object>(
            async () => (await prometheus.QueryAsync(promql)) is [var first, ..] && holds(first) ? (object)first : null,
            Timeout,
            $"prometheus to answer {promql}");
        return (JsonElement)sample;
    }
}
