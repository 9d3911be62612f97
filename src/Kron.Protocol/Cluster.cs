namespace Kron.Protocol;

/// <summary>
/// <c>GET /v1/cluster</c>: the nodes and the shard map. <paramref name="Mode"/> is <c>embedded</c> (one node on SQLite,
/// holding every shard under its file lock) or <c>cluster</c> (nodes sharing PostgreSQL, shards leased).
/// <paramref name="Now"/> is the database's clock, which every lease is measured against.
/// </summary>
public sealed record ClusterResponse(string Mode, DateTimeOffset Now, IReadOnlyList<ClusterNode> Nodes, IReadOnlyList<ClusterShard> Shards);

/// <summary>
/// A node with its last heartbeat; <paramref name="Alive"/> when that heartbeat is within the lease TTL.
/// <paramref name="Shards"/> is how many shards it holds now.
/// </summary>
public sealed record ClusterNode(string Id, string Address, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt, bool Alive, int Shards);

/// <summary>
/// One shard's lease: <paramref name="Owner"/> is null when nobody holds it (released, or expired and not yet taken
/// over). <paramref name="Epoch"/> grows on every change of owner (the fencing token).
/// </summary>
public sealed record ClusterShard(int Shard, string? Owner, long Epoch, DateTimeOffset? ExpiresAt);
