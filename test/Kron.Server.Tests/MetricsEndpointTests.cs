using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Kron.Engine.Observability;
using Kron.Server.Metrics;
using Kron.Testing;

namespace Kron.Server.Tests;

/// <summary><c>GET /metrics</c> on real nodes: the format, a real parser's verdict, and one node per DI container.</summary>
public sealed class MetricsEndpointTests
{
    private static readonly string[] KronFamiliesAfterRuns =
    [
        "kron_fire_lag_seconds histogram", "kron_runs_started_total counter", "kron_runs_total counter", "kron_run_retries_total counter",
        "kron_runs_dead_lettered_total counter", "kron_db_round_trip_seconds histogram", "kron_runs_queued gauge", "kron_runs_running gauge",
        "kron_dead_letters gauge", "kron_queue_depth gauge", "kron_queue_leased gauge", "kron_node_runs_in_flight gauge", "kron_node_shards gauge",
        "kron_build_info gauge", "process_start_time_seconds gauge",
    ];

    private static readonly string[] RuntimeLintFindings =
    [
        "dotnet_assembly_count non-histogram and non-summary metrics should not have \"_count\" suffix",
        "dotnet_process_cpu_count non-histogram and non-summary metrics should not have \"_count\" suffix",
        "dotnet_timer_count non-histogram and non-summary metrics should not have \"_count\" suffix",
    ];

    [Fact]
    public async Task Metrics_Get_ServesTheTextFormatWithRuntimeHttpAndBuildFamilies()
    {
        await using var node = await TestNode.StartAsync();
        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/healthz")).Status);

        using var response = await node.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(MetricsEndpoints.ContentType, response.Content.Headers.ContentType?.ToString());
        Assert.Contains("# TYPE dotnet_process_cpu_time_seconds_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE dotnet_gc_heap_total_allocated_bytes_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram\n", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^http_server_request_duration_seconds_count\{[^}]*http_route=""/healthz""[^}]*\} 1$", text);
        Assert.Matches(@"(?m)^kron_build_info\{version=""[^""]+""\} 1$", text);
        Assert.Matches(@"(?m)^process_start_time_seconds \d", text);
    }

    [Fact]
    public async Task OpenApi_Document_DoesNotDescribeMetrics()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync("/openapi/v1.json");

        using var document = JsonDocument.Parse(response.Body);
        Assert.True(document.RootElement.GetProperty("paths").TryGetProperty("/healthz", out _));
        Assert.False(document.RootElement.GetProperty("paths").TryGetProperty("/metrics", out _));
    }

    [Fact]
    public async Task Metrics_TwoNodesInOneProcess_EachExportsOnlyItsOwnCounts()
    {
        await using var one = await TestNode.StartAsync();
        await using var two = await TestNode.StartAsync();
        var job = (string)(await one.CreateJobAsync(JobBodies.Noop()))["id"]!;
        for (var i = 0; i < 3; i++)
        {
            await one.WaitForRunAsync((string)(await one.TriggerAsync(job))["id"]!, "succeeded");
        }

        var first = await ScrapeUntilAsync(one, "kron_runs_total{outcome=\"succeeded\"} 3\n");
        var second = (await two.GetAsync("/metrics")).Body;

        Assert.Contains("\nkron_runs_started_total 3\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("kron_runs_total", second, StringComparison.Ordinal);
        Assert.DoesNotContain("kron_runs_started_total", second, StringComparison.Ordinal);
        Assert.DoesNotContain("kron_fire_lag_seconds", second, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^http_server_request_duration_seconds_count\{[^}]*http_route=""/v1/jobs/\{id\}/trigger""[^}]*\} 3$", first);
        Assert.DoesNotContain("http_route=\"/v1/jobs/{id}/trigger\"", second, StringComparison.Ordinal);
        // Process-wide families are the same process's on both.
        Assert.Contains("dotnet_process_cpu_time_seconds_total", second, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ApiTokensConfigured_StaysOpenToScrapers()
    {
        await using var node = await TestNode.StartAsync(configure: b => b.Configuration["Kron:Auth:Tokens:0"] = "0123456789abcdef0123456789abcdef");

        var api = await node.GetAsync("/v1/jobs");
        var metrics = await node.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, api.Status);
        Assert.Equal(HttpStatusCode.OK, metrics.Status);
        Assert.Contains("# TYPE kron_build_info gauge", metrics.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AfterRuns_PassesPromtoolCheckMetrics()
    {
        await using var node = await TestNode.StartAsync();
        var job = (string)(await node.CreateJobAsync(JobBodies.Noop()))["id"]!;
        for (var i = 0; i < 3; i++)
        {
            await node.WaitForRunAsync((string)(await node.TriggerAsync(job))["id"]!, "succeeded");
        }

        var failing = JobBodies.Noop().With(new()
        {
            ["retries"] = 1,
            ["retry"] = new JsonObject { ["initial_interval"] = "PT0.1S" },
            ["target"] = new JsonObject { ["type"] = "noop", ["fail_rate"] = 1.0 },
        });
        await node.WaitForRunAsync((string)(await node.TriggerAsync((string)(await node.CreateJobAsync(failing))["id"]!))["id"]!, "dead");
        var queued = JobBodies.Noop().With(new() { ["target"] = new JsonObject { ["type"] = "queue", ["queue"] = "mail", ["job_type"] = "send" } });
        await node.TriggerAsync((string)(await node.CreateJobAsync(queued))["id"]!);
        await node.Service<MetricsSampler>().RunOnceAsync(CancellationToken.None);

        var text = await ScrapeUntilAsync(node, "kron_runs_dead_lettered_total 1\n");
        var (exitCode, output) = await PromtoolCheckAsync(text);
        var (ownExitCode, ownOutput) = await PromtoolCheckAsync(WithoutRuntimeFamilies(text));

        // The whole exposition parses; the linter's only complaints are about the runtime's own gauges that end in
        // _count (their OpenTelemetry names, kept so that .NET dashboards work: exit code 3 means lint findings only).
        Assert.True(exitCode is 0 or 3, $"promtool check metrics exited {exitCode}:\n{output}\n--- the exposition:\n{text}");
        Assert.Equal(RuntimeLintFindings, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // Kron's, ASP.NET Core's and the process families are clean.
        Assert.True(ownExitCode == 0 && ownOutput.Length == 0, $"promtool check metrics exited {ownExitCode}:\n{ownOutput}\n--- the exposition:\n{text}");
        foreach (var family in KronFamiliesAfterRuns)
        {
            Assert.Contains($"\n# TYPE {family}\n", text, StringComparison.Ordinal);
        }

        Assert.Contains("kron_runs_total{outcome=\"succeeded\"} 3\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_runs_total{outcome=\"failed\"} 2\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_queue_depth{queue=\"mail\"} 1\n", text, StringComparison.Ordinal);
        Assert.Contains("kron_fire_lag_seconds_bucket{le=\"+Inf\"} 5\n", text, StringComparison.Ordinal);
    }

    /// <summary>Scrapes until <paramref name="expected"/> shows (counters are recorded just after the state is written).</summary>
    internal static Task<string> ScrapeUntilAsync(TestNode node, string expected) =>
        Eventually.GetAsync(
            async () => (await node.GetAsync("/metrics")).Body is var text && text.Contains(expected, StringComparison.Ordinal) ? text : null,
            TestNode.RunTimeout,
            $"/metrics to show {expected.Trim()}");

    /// <summary>The exposition without the <c>dotnet_*</c> families of the runtime's meter.</summary>
    internal static string WithoutRuntimeFamilies(string exposition) =>
        string.Concat(exposition.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => !line.StartsWith("dotnet_", StringComparison.Ordinal) && !line.StartsWith("# HELP dotnet_", StringComparison.Ordinal) && !line.StartsWith("# TYPE dotnet_", StringComparison.Ordinal))
            .Select(line => line + "\n"));

    /// <summary>Pipes <paramref name="exposition"/> into <c>promtool check metrics</c> (Prometheus' own parser and linter).</summary>
    internal static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(string exposition)
    {
        var start = new ProcessStartInfo("promtool")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("check");
        start.ArgumentList.Add("metrics");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start promtool");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(exposition);
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, ((await stdout) + (await stderr)).Trim());
    }
}
