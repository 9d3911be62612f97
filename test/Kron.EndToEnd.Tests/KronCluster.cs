using System.Net.Http.Json;
using Kron.Protocol;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// Real <c>kron serve</c> processes sharing one PostgreSQL database (a fresh one per test), each with its own data
/// directory, with short leases so that takeovers happen within seconds. Shell jobs append to files in
/// <see cref="Directory"/>, which every node can reach.
/// </summary>
internal sealed class KronCluster : IAsyncDisposable
{
    /// <summary>The lease TTL the nodes run with; a crashed node's shards are taken over within it plus a heartbeat.</summary>
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(500);

    private readonly Dictionary<string, string> _environment = new()
    {
        ["Kron__Cluster__LeaseTtl"] = "00:00:03",
        ["Kron__Cluster__HeartbeatInterval"] = "00:00:00.500",
        ["Kron__Dispatcher__PollInterval"] = "00:00:00.100",
        ["Kron__Rescuer__Interval"] = "00:00:00.250",
        // Slots late because of a takeover must still run: this suite tests ownership, not the misfire policies.
        ["Kron__Trigger__MisfireThreshold"] = "00:00:30",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private readonly Dictionary<string, KronProcess> _nodes = new(StringComparer.Ordinal);
    private readonly PostgresServer _server;
    private readonly string _database;

    private KronCluster(PostgresServer server, string database)
    {
        _server = server;
        _database = database;
        Store = server.ConnectionStringFor(database);
    }

    public string Store { get; }

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kron-cluster-").FullName;

    public IReadOnlyDictionary<string, KronProcess> Nodes => _nodes;

    /// <summary>A cluster of <paramref name="count"/> nodes (node-1, node-2, ...) on a fresh database of <paramref name="server"/>.</summary>
    public static async Task<KronCluster> StartAsync(PostgresServer server, int count, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>>? perNode = null)
    {
        var database = await server.CreateDatabaseAsync();
        var cluster = new KronCluster(server, database);
        await Task.WhenAll(Enumerable.Range(1, count).Select(i => cluster.AddNodeAsync($"node-{i}", perNode?.GetValueOrDefault($"node-{i}"))));
        await cluster.WaitForBalanceAsync(count);
        return cluster;
    }

    public async Task<KronProcess> AddNodeAsync(string nodeId, IReadOnlyDictionary<string, string>? environment = null)
    {
        // Shell jobs inherit it, so a recording says which node started each attempt.
        var env = new Dictionary<string, string>(_environment) { ["KRON_TEST_NODE"] = nodeId };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            env[name] = value;
        }

        var data = Path.Combine(Directory, nodeId);
        var node = await KronProcess.StartAsync(data, env, nodeId, Store);
        lock (_nodes)
        {
            _nodes[nodeId] = node;
        }

        return node;
    }

    public KronApi Api(string nodeId) => new(_nodes[nodeId].Url);

    /// <summary>The cluster as <paramref name="nodeId"/> answers <c>GET /v1/cluster</c>.</summary>
    public async Task<ClusterResponse> ViewAsync(string nodeId)
    {
        using var http = new HttpClient { BaseAddress = _nodes[nodeId].Url, Timeout = TimeSpan.FromSeconds(10) };
        return (await http.GetFromJsonAsync<ClusterResponse>(new Uri("/v1/cluster", UriKind.Relative), ProtocolJson.Options))!;
    }

    /// <summary>Waits until exactly <paramref name="alive"/> nodes hold every shard in fair shares (ceil(256 / n) at most each).</summary>
    public async Task<ClusterResponse> WaitForBalanceAsync(int alive, TimeSpan? within = null, string? askNode = null)
    {
        ClusterResponse? last = null;
        var share = (256 + alive - 1) / alive;
        var asked = askNode ?? _nodes.Keys.Order(StringComparer.Ordinal).First(id => !_nodes[id].HasExited);
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    last = await ViewAsync(asked);
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }

                var owners = last.Shards.Where(s => s.Owner is not null).GroupBy(s => s.Owner!).ToList();
                return last.Shards.All(s => s.Owner is not null) && owners.Count == alive && owners.All(g => g.Count() <= share);
            },
            within ?? TimeSpan.FromSeconds(30),
            $"{alive} nodes to hold all 256 shards in fair shares").ConfigureAwait(false);
        return last!;
    }

    /// <summary>Appends "run job attempt node" to <paramref name="file"/>, sleeps, then appends the run id to <paramref name="file"/>.done.</summary>
    public string ShellRecording(string file, double sleepSeconds = 0)
    {
        var path = Path.Combine(Directory, file);
        var sleep = sleepSeconds > 0 ? $"sleep {sleepSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}; " : string.Empty;
        return $"echo \"$KRON_RUN_ID $KRON_JOB_ID $KRON_ATTEMPT $KRON_TEST_NODE\" >> {path}; {sleep}echo \"$KRON_RUN_ID\" >> {path}.done";
    }

    /// <summary>How many times each run id started (from a <see cref="ShellRecording"/> file).</summary>
    public Dictionary<string, int> Starts(string file) => Count(Path.Combine(Directory, file));

    /// <summary>How many times each run id finished its command.</summary>
    public Dictionary<string, int> Finishes(string file) => Count(Path.Combine(Directory, file + ".done"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes.Values)
        {
            await node.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A shell job's file may still be written by a dying process; the temp directory is cleaned later.
        }

        await _server.DropDatabaseAsync(_database);
    }

    /// <summary>The lines of a <see cref="ShellRecording"/> file for one run ("run job attempt node"), to explain a failure.</summary>
    public IReadOnlyList<string> StartLines(string file, string runId)
    {
        var path = Path.Combine(Directory, file);
        return File.Exists(path) ? [.. File.ReadAllLines(path).Where(l => l.StartsWith(runId + " ", StringComparison.Ordinal))] : [];
    }

    private static Dictionary<string, int> Count(string path) =>
        File.Exists(path)
            ? File.ReadAllLines(path).Where(l => l.Length > 0).GroupBy(l => l.Split(' ')[0]).ToDictionary(g => g.Key, g => g.Count())
            : [];
}
