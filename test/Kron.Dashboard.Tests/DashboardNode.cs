using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Kron.Server.Hosting;
using Kron.Testing;
using Microsoft.Extensions.Logging;

namespace Kron.Dashboard.Tests;

/// <summary>
/// A real Kron node on real Kestrel (the browser needs a socket) with a fresh SQLite data directory and fast engine
/// loops, plus an HTTP client for arranging and checking through the API. Deleted on dispose.
/// </summary>
public abstract class DashboardNode : IAsyncLifetime
{
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(20);

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "kron-dashboard-tests", Guid.NewGuid().ToString("N"));
    private KronNode? _node;

    /// <summary>The node's base address, such as <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public HttpClient Api { get; } = new();

    public const string NodeId = "dash-1";

    /// <summary>An API token the node accepts, or null when the API is open.</summary>
    public virtual string? Token => null;

    /// <summary>This node's id (<see cref="NodeId"/> unless a cluster member says otherwise).</summary>
    public virtual string Identity => NodeId;

    /// <summary>A PostgreSQL connection string to join a cluster, or null for embedded SQLite.</summary>
    public virtual string? Store => null;

    public async Task InitializeAsync()
    {
        var settings = new ServerSettings { DataDirectory = _directory, ListenUrl = "http://127.0.0.1:0", NodeId = Identity, Store = Store };
        _node = await KronNode.StartAsync(
            settings,
            b =>
            {
                b.Logging.ClearProviders();
                b.Configuration["Kron:Trigger:MaxIdleInterval"] = "00:00:00.050";
                b.Configuration["Kron:Dispatcher:PollInterval"] = "00:00:00.050";
                b.Configuration["Kron:Dispatcher:ShutdownGrace"] = "00:00:01";
                if (Token is { } token)
                {
                    b.Configuration["Kron:Auth:Tokens:0"] = token;
                }
            },
            CancellationToken.None);
        BaseAddress = new Uri(_node.Addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        Api.BaseAddress = BaseAddress;
        if (Token is { } bearer)
        {
            Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
    }

    public async Task DisposeAsync()
    {
        Api.Dispose();
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    public async Task<JsonObject> GetAsync(string path)
    {
        using var response = await Api.GetAsync(new Uri(path, UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public async Task<JsonObject> PostAsync(string path, JsonObject? body, HttpStatusCode expected)
    {
        using var content = new StringContent(body?.ToJsonString() ?? "", Encoding.UTF8, "application/json");
        using var response = await Api.PostAsync(new Uri(path, UriKind.Relative), body is null ? null : content);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"POST {path}: expected {(int)expected}, got {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Registers a job through the API (asserting 201) and returns it.</summary>
    public Task<JsonObject> CreateJobAsync(JsonObject body) => PostAsync("v1/jobs", body, HttpStatusCode.Created);

    /// <summary>Runs a job now through the API and returns the run.</summary>
    public Task<JsonObject> TriggerAsync(string jobId) => PostAsync($"v1/jobs/{jobId}/trigger", null, HttpStatusCode.Accepted);

    /// <summary>Polls the run until its state is one of <paramref name="states"/>.</summary>
    public Task<JsonObject> WaitForRunAsync(string runId, params string[] states) =>
        Eventually.GetAsync(
            async () =>
            {
                var run = await GetAsync($"v1/runs/{runId}");
                return states.Contains((string?)run["state"]) ? run : null;
            },
            RunTimeout,
            $"run {runId} to be {string.Join(" or ", states)}");
}

/// <summary>A node with the API open (no tokens): the default on loopback.</summary>
public sealed class OpenNode : DashboardNode;

/// <summary>A node whose API requires a bearer token (<c>Kron:Auth:Tokens</c>).</summary>
public sealed class TokenNode : DashboardNode
{
    public const string ApiToken = "dashboard-test-token-0123456789abcdef";

    public override string? Token => ApiToken;
}

/// <summary>A node nobody registered a job on: what a new user sees first.</summary>
public sealed class EmptyNode : DashboardNode;
