using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kron.Server.Hosting;
using Kron.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Kron.Engine.Tests;

/// <summary>
/// A real node (<see cref="KronNode"/>: SQLite file, engine loops on the system clock) behind an in-memory test
/// server, on a fresh temporary data directory deleted on dispose. Loops poll every 50 ms and stop without a grace
/// period, so that waits and teardown are quick. <c>maxConcurrency: 1</c> lets a test hold the only executor slot
/// with a long run, so that other runs stay queued for as long as it needs.
/// </summary>
internal sealed class ApiNode : IAsyncDisposable
{
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    private readonly KronNode _node;
    private readonly HttpClient _client;

    private ApiNode(KronNode node, string directory)
    {
        _node = node;
        DataDirectory = directory;
        _client = node.App.GetTestClient();
    }

    public string DataDirectory { get; }

    public static async Task<ApiNode> StartAsync(int maxConcurrency = 8)
    {
        var directory = Path.Combine(Path.GetTempPath(), "kron-engine-tests", Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings { DataDirectory = directory, ListenUrl = "http://127.0.0.1:0", NodeId = "api-test" };
        var node = await KronNode.StartAsync(
            settings,
            b =>
            {
                b.WebHost.UseTestServer();
                b.Logging.ClearProviders();
                b.Configuration["Kron:Trigger:MaxIdleInterval"] = "00:00:00.050";
                b.Configuration["Kron:Dispatcher:PollInterval"] = "00:00:00.050";
                b.Configuration["Kron:Dispatcher:ShutdownGrace"] = "00:00:00";
                b.Configuration["Kron:Dispatcher:MaxConcurrency"] = maxConcurrency.ToString(CultureInfo.InvariantCulture);
            },
            CancellationToken.None);
        return new ApiNode(node, directory);
    }

    public Task<(HttpStatusCode Status, JsonObject Body)> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<(HttpStatusCode Status, JsonObject Body)> PostAsync(string path, JsonObject? body = null) => SendAsync(HttpMethod.Post, path, body);

    public Task<(HttpStatusCode Status, JsonObject Body)> PatchAsync(string path, JsonObject body) => SendAsync(HttpMethod.Patch, path, body);

    /// <summary>Registers a job (asserting 201) and returns its id.</summary>
    public async Task<string> CreateJobAsync(JsonObject body)
    {
        var (status, job) = await PostAsync("/v1/jobs", body);
        Assert.True(status == HttpStatusCode.Created, $"expected 201, got {(int)status}: {job}");
        return (string)job["id"]!;
    }

    /// <summary>Triggers a job now (asserting 202) and returns the run's id.</summary>
    public async Task<string> TriggerAsync(string jobId)
    {
        var (status, run) = await PostAsync($"/v1/jobs/{jobId}/trigger");
        Assert.True(status == HttpStatusCode.Accepted, $"expected 202, got {(int)status}: {run}");
        return (string)run["id"]!;
    }

    /// <summary>Polls the run until it is in one of <paramref name="states"/>, and returns it.</summary>
    public Task<JsonObject> WaitForRunAsync(string runId, params string[] states) =>
        Eventually.GetAsync(
            async () => (await GetAsync($"/v1/runs/{runId}")).Body is var run && states.Contains((string?)run["state"]) ? run : null,
            WaitTimeout,
            $"run {runId} to be {string.Join(" or ", states)}");

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        await _node.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }

    private async Task<(HttpStatusCode Status, JsonObject Body)> SendAsync(HttpMethod method, string path, JsonObject? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await _client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? [] : JsonNode.Parse(text)!.AsObject());
    }
}

/// <summary>Job request bodies for the API tests.</summary>
internal static class ApiJobs
{
    /// <summary>A job that never fires by itself in a test (hourly, first slot an hour away); runs come from triggers.</summary>
    public static JsonObject Noop(double failRate = 0, string? duration = null, int retries = 0)
    {
        var target = new JsonObject { ["type"] = "noop", ["fail_rate"] = failRate };
        if (duration is not null)
        {
            target["duration"] = duration;
        }

        return new JsonObject { ["every"] = "PT1H", ["target"] = target, ["retries"] = retries };
    }

    public static JsonObject Shell(string command) =>
        new() { ["every"] = "PT1H", ["target"] = new JsonObject { ["type"] = "shell", ["command"] = command }, ["retries"] = 0 };

    /// <summary>A copy of <paramref name="body"/> with the fields of <paramref name="extra"/> set.</summary>
    public static JsonObject With(this JsonObject body, JsonObject extra)
    {
        var copy = body.DeepClone().AsObject();
        foreach (var (name, value) in extra)
        {
            copy[name] = value?.DeepClone();
        }

        return copy;
    }
}
