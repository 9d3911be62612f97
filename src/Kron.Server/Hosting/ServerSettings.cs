namespace Kron.Server.Hosting;

/// <summary>How a node is started: <c>kron serve --data --listen --node-id</c> (or <c>KRON_DATA</c>, <c>KRON_LISTEN</c>, <c>KRON_NODE_ID</c>).</summary>
public sealed record ServerSettings
{
    public const string DefaultDataDirectory = "./data";
    public const string DefaultListenUrl = "http://127.0.0.1:7070";
    public const string DatabaseFileName = "kron.db";

    /// <summary>The directory holding the SQLite file and the lock.</summary>
    public string DataDirectory { get; init; } = DefaultDataDirectory;

    /// <summary>The URL the API and dashboard listen on; port 0 picks a free port.</summary>
    public string ListenUrl { get; init; } = DefaultListenUrl;

    /// <summary>This node's name; defaults to the host name.</summary>
    public string NodeId { get; init; } = Environment.MachineName;

    /// <summary>The SQLite file.</summary>
    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), DatabaseFileName);
}
