using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// A real Prometheus server (<c>/usr/bin/prometheus</c>, installed by scripts/test.sh) on a free loopback port with
/// its own storage directory, scraping one target every second as job <c>kron</c>. Killed on dispose.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logGate = new();
    private readonly HttpClient _http;

    private PrometheusServer(Process process, Uri url)
    {
        _process = process;
        Url = url;
        _http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Url { get; }

    public string Log
    {
        get
        {
            lock (_logGate)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/>'s <c>/metrics</c> and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(Uri target, string directory)
    {
        Directory.CreateDirectory(directory);
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, string.Create(CultureInfo.InvariantCulture, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: kron
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target.Authority}']
            """));
        var url = new Uri($"http://127.0.0.1:{RecordingHttpServer.FreePort()}");
        var start = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add($"--config.file={config}");
        start.ArgumentList.Add($"--storage.tsdb.path={Path.Combine(directory, "data")}");
        start.ArgumentList.Add($"--web.listen-address={url.Authority}");
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start prometheus");
        var server = new PrometheusServer(process, url);
        process.OutputDataReceived += (_, e) => server.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => server.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(
                async () =>
                {
                    if (process.HasExited)
                    {
                        throw new InvalidOperationException($"prometheus exited with {process.ExitCode}:\n{server.Log}");
                    }

                    try
                    {
                        using var ready = await server._http.GetAsync(new Uri("/-/ready", UriKind.Relative));
                        return ready.IsSuccessStatusCode;
                    }
                    catch (HttpRequestException)
                    {
                        return false;
                    }
                },
                TimeSpan.FromSeconds(60),
                "prometheus to be ready");
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>An instant query: the <c>data.result</c> vector (empty when nothing matches).</summary>
    public async Task<JsonElement[]> QueryAsync(string promql)
    {
        using var response = await _http.GetAsync(new Uri($"/api/v1/query?query={Uri.EscapeDataString(promql)}", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"query {promql} answered {(int)response.StatusCode}: {body}");
        using var document = JsonDocument.Parse(body);
        return [.. document.RootElement.GetProperty("data").GetProperty("result").EnumerateArray().Select(r => r.Clone())];
    }

    /// <summary>The active targets of <c>/api/v1/targets</c>.</summary>
    public async Task<JsonElement[]> TargetsAsync()
    {
        using var response = await _http.GetAsync(new Uri("/api/v1/targets", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return [.. document.RootElement.GetProperty("data").GetProperty("activeTargets").EnumerateArray().Select(t => t.Clone())];
    }

    /// <summary>A sample's value (<c>value[1]</c>, a string in the API) as a number.</summary>
    public static double ValueOf(JsonElement sample) =>
        double.Parse(sample.GetProperty("value")[1].GetString()!, CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is not null)
        {
            lock (_logGate)
            {
                _log.AppendLine(line);
            }
        }
    }
}
