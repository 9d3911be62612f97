using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Kron.Server.Hosting;
using Kron.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kron.Server.Tests;

/// <summary>
/// A real Kron node (real SQLite file, real engine) on a fresh temporary data directory behind an in-memory test
/// server. The directory is deleted on dispose. Engine loops poll every 50 ms so that waits end quickly.
/// </summary>
internal sealed class TestNode : IAsyncDisposable
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(15);

    private TestNode(KronNode node, string dataDirectory)
    {
        Node = node;
        DataDirectory = dataDirectory;
        Client = node.App.GetTestClient();
    }

    public KronNode Node { get; }

    public string DataDirectory { get; }

    public HttpClient Client { get; }

    /// <summary>Starts a node; with <paramref name="clock"/> the node reads that clock instead of the system's.</summary>
    public static async Task<TestNode> StartAsync(ManualTimeProvider? clock = null, Action<WebApplicationBuilder>? configure = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "kron-server-tests", Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings { DataDirectory = directory, ListenUrl = "http://127.0.0.1:0", NodeId = "test" };
        try
        {
            var node = await KronNode.StartAsync(
                settings,
                b =>
                {
                    b.WebHost.UseTestServer();
                    b.Logging.ClearProviders();
                    b.Configuration["Kron:Trigger:MaxIdleInterval"] = "00:00:00.050";
                    b.Configuration["Kron:Dispatcher:PollInterval"] = "00:00:00.050";
                    b.Configuration["Kron:Dispatcher:ShutdownGrace"] = "00:00:01";
                    if (clock is not null)
                    {
                        b.Services.AddSingleton<TimeProvider>(clock);
                    }

                    configure?.Invoke(b);
                },
                CancellationToken.None);
            return new TestNode(node, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    public T Service<T>()
        where T : notnull => Node.App.Services.GetRequiredService<T>();

    public Task<ApiResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path, null);

    public Task<ApiResponse> PostAsync(string path, JsonNode? body = null) => SendAsync(HttpMethod.Post, path, body?.ToJsonString());

    public Task<ApiResponse> PatchAsync(string path, JsonNode body) => SendAsync(HttpMethod.Patch, path, body.ToJsonString());

    public Task<ApiResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path, null);

    /// <summary>Sends <paramref name="json"/> as it is (it may be malformed on purpose).</summary>
    public async Task<ApiResponse> SendAsync(HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request).ConfigureAwait(false);
        var body = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, body, response.Headers.Location);
    }

    /// <summary>Registers a job and returns it (asserting 201).</summary>
    public async Task<JsonObject> CreateJobAsync(JsonObject body)
    {
        var response = await PostAsync("/v1/jobs", body).ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.Created, $"expected 201, got {(int)response.Status}: {response.Body}");
        return response.Object;
    }

    /// <summary>Triggers a job now and returns the run (asserting 202).</summary>
    public async Task<JsonObject> TriggerAsync(string jobId)
    {
        var response = await PostAsync($"/v1/jobs/{jobId}/trigger").ConfigureAwait(false);
        Assert.True(response.Status == HttpStatusCode.Accepted, $"expected 202, got {(int)response.Status}: {response.Body}");
        return response.Object;
    }

    /// <summary>Polls <c>GET /v1/runs/{id}</c> until the run is in one of the final states, then returns it.</summary>
    public Task<JsonObject> WaitForRunAsync(string runId, params string[] finalStates) =>
        Eventually.GetAsync(
            async () =>
            {
                var run = (await GetAsync($"/v1/runs/{runId}").ConfigureAwait(false)).Object;
                return finalStates.Contains((string?)run["state"]) ? run : null;
            },
            RunTimeout,
            $"run {runId} to be {string.Join(" or ", finalStates)}");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Node.DisposeAsync().ConfigureAwait(false);
        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>A response read to the end: status, media type, body and <c>Location</c>.</summary>
internal sealed record ApiResponse(HttpStatusCode Status, string? ContentType, string Body, Uri? Location)
{
    public JsonObject Object => JsonNode.Parse(Body)?.AsObject() ?? throw new InvalidOperationException($"not a JSON object: {Body}");

    /// <summary>Asserts an RFC 9457 problem with <paramref name="status"/> and a non-empty detail, and returns it.</summary>
    public JsonObject Problem(HttpStatusCode status)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Body}");
        Assert.Equal("application/problem+json", ContentType);
        var problem = Object;
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]), $"the problem has no detail: {Body}");
        Assert.Equal((int)status, (int?)problem["status"]);
        return problem;
    }

    /// <summary>Asserts a 400 validation problem and returns the messages of <paramref name="field"/>.</summary>
    public IReadOnlyList<string> FieldErrors(string field)
    {
        var errors = Problem(HttpStatusCode.BadRequest)["errors"]?.AsObject();
        Assert.True(errors is not null, $"no errors map: {Body}");
        Assert.True(errors.ContainsKey(field), $"no error for {field}: {Body}");
        return [.. errors[field]!.AsArray().Select(m => (string)m!)];
    }
}

/// <summary>Request bodies for jobs.</summary>
internal static class JobBodies
{
    public static JsonObject Noop(string every = "PT1H") => new() { ["every"] = every, ["target"] = new JsonObject { ["type"] = "noop" } };

    public static JsonObject At(DateTimeOffset at, JsonObject target) => new() { ["schedule_time"] = Rfc3339(at), ["target"] = target };

    public static JsonObject Shell(string command, int retries = 0, string? timeout = null)
    {
        var body = new JsonObject
        {
            ["schedule_time"] = "2099-01-01T00:00:00Z",
            ["target"] = new JsonObject { ["type"] = "shell", ["command"] = command },
            ["retries"] = retries,
        };
        if (timeout is not null)
        {
            body["timeout"] = timeout;
        }

        return body;
    }

    public static string Rfc3339(DateTimeOffset at) => at.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A copy of <paramref name="body"/> with <paramref name="patch"/> applied: a JSON null removes a field.</summary>
    public static JsonObject With(this JsonObject body, JsonObject patch)
    {
        var copy = body.DeepClone().AsObject();
        foreach (var (name, value) in patch)
        {
            if (value is null)
            {
                copy.Remove(name);
            }
            else
            {
                copy[name] = value.DeepClone();
            }
        }

        return copy;
    }

    public static DateTimeOffset Instant(this JsonNode? node) =>
        DateTimeOffset.Parse((string?)node ?? throw new InvalidOperationException("no instant"), System.Globalization.CultureInfo.InvariantCulture);
}

