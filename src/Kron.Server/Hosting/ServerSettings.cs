namespace Kron.Server.Hosting;

/// <summary>
/// How a node is started: <c>kron serve --data --listen --node-id --store</c> (or <c>KRON_DATA</c>, <c>KRON_LISTEN</c>,
/// <c>KRON_NODE_ID</c>, <c>KRON_STORE</c>).
/// </summary>
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

    /// <summary>
    /// A PostgreSQL connection string (Npgsql keywords or a <c>postgres://</c> URI): the node joins the cluster on that
    /// database. Null: embedded SQLite in <see cref="DataDirectory"/>.
    /// </summary>
    public string? Store { get; init; }

    /// <summary>True when the node is part of a PostgreSQL cluster.</summary>
    public bool IsCluster => Store is not null;

    /// <summary>The SQLite file.</summary>
    public string DatabasePath => Path.Combine(Path.GetFullPath(DataDirectory), DatabaseFileName);
}
