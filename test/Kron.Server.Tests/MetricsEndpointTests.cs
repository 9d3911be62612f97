using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Kron.Server.Metrics;

namespace Kron.Server.Tests;

/// <summary><c>GET /metrics</c> on real nodes: the format, a real parser's verdict, and one node per DI container.</summary>
public sealed class MetricsEndpointTests
{
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
        var meter = one.Service<IMeterFactory>().Create("Kron");
        var probe = meter.CreateCounter<long>("kron.test.probe", "{probe}", "A counter only node one records.");
        for (var i = 0; i < 3; i++)
        {
            probe.Add(1);
            Assert.Equal(HttpStatusCode.OK, (await one.GetAsync("/healthz")).Status);
        }

        var first = (await one.GetAsync("/metrics")).Body;
        var second = (await two.GetAsync("/metrics")).Body;

        Assert.Contains("\nkron_test_probe_total 3\n", first, StringComparison.Ordinal);
        Assert.DoesNotContain("kron_test_probe", second, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^http_server_request_duration_seconds_count\{[^}]*http_route=""/healthz""[^}]*\} 3$", first);
        Assert.DoesNotContain("http_route=\"/healthz\"", second, StringComparison.Ordinal);
        // Process-wide families are the same process's on both.
        Assert.Contains("dotnet_process_cpu_time_seconds_total", second, StringComparison.Ordinal);
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

        var text = (await node.GetAsync("/metrics")).Body;
        var (exitCode, output) = await PromtoolCheckAsync(text);
        var (ownExitCode, ownOutput) = await PromtoolCheckAsync(WithoutRuntimeFamilies(text));

        // The whole exposition parses; the linter's only complaints are about the runtime's own gauges that end in
        // _count (their OpenTelemetry names, kept so that .NET dashboards work: exit code 3 means lint findings only).
        Assert.True(exitCode is 0 or 3, $"promtool check metrics exited {exitCode}:\n{output}\n--- the exposition:\n{text}");
        Assert.Equal(RuntimeLintFindings, output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        // Kron's, ASP.NET Core's and the process families are clean.
        Assert.True(ownExitCode == 0 && ownOutput.Length == 0, $"promtool check metrics exited {ownExitCode}:\n{ownOutput}\n--- the exposition:\n{text}");
        Assert.Contains("# TYPE http_server_request_duration_seconds histogram", text, StringComparison.Ordinal);
    }

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
