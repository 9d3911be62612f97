namespace Kron.Storage;

/// <summary>The shard map's size: jobs are spread over this many shards (<see cref="Ids.ShardOf"/>), each leased to one node.</summary>
public static class Shards
{
    public const int Count = Ids.DefaultShardCount;
}

/// <summary>A node of the cluster, as its last heartbeat left it.</summary>
public sealed record NodeRecord(string Id, string Address, string Version, DateTimeOffset StartedAt, DateTimeOffset HeartbeatAt);

/// <summary>
/// One shard's lease. <paramref name="Owner"/> is null when the shard was released or never taken. The lease is held
/// while <paramref name="ExpiresAt"/> is later than the database's clock. <paramref name="Epoch"/> grows by one on every
/// change of owner: it is the fencing token every fire and claim is checked against.
/// </summary>
public sealed record ShardLease(int Shard, string? Owner, long Epoch, DateTimeOffset ExpiresAt);

/// <summary>The shard epochs a node holds, to guard a write with (fencing).</summary>
public sealed record ShardEpoch(int Shard, long Epoch);

/// <summary>
/// A write guard: the write acts only on rows of the listed shards whose lease is, at the database's clock and for the
/// whole transaction, held by <paramref name="Owner"/> with exactly that epoch and not expired. Rows of any other shard
/// are left alone, so a node that lost a shard (a zombie resumed after a pause) changes nothing in it.
/// </summary>
public sealed record ShardFence(string Owner, IReadOnlyList<ShardEpoch> Shards);

/// <summary>
/// A node's heartbeat: upsert the node's row with <c>heartbeat_at</c> = now, and renew every shard lease it still
/// holds (owner is the node, not expired) to now + <paramref name="LeaseTtl"/>. Leases that expired are not renewed:
/// the node must acquire them again, with a new epoch.
/// </summary>
public sealed record HeartbeatNodeParams(string NodeId, string Address, string Version, DateTimeOffset StartedAt, TimeSpan LeaseTtl, DateTimeOffset? Now = null);

/// <summary>The database's clock, the leases the node holds after the renewal, and the whole cluster.</summary>
public sealed record ClusterView(DateTimeOffset Now, IReadOnlyList<NodeRecord> Nodes, IReadOnlyList<ShardLease> Shards);

/// <summary>Reads the cluster: nodes and the shard map.</summary>
public sealed record GetClusterParams(DateTimeOffset? Now = null);

/// <summary>
/// Take up to <paramref name="Limit"/> shards that nobody holds (released, or their lease expired): owner = the node,
/// epoch + 1, expires_at = now + <paramref name="LeaseTtl"/>. The node's own expired shards come first, then released
/// ones, then expired leases of other nodes, lowest shard first within each. Shards whose lease expired in the hands
/// of another node are a takeover: in the same transaction, the running runs of those shards leased by the previous
/// owner are rescued (queued again at least once, lost at most once), which revokes their lease tokens. With
/// <paramref name="TakeOver"/> false, other nodes' expired shards are left alone (a node back from a database outage
/// lets the others re-acquire their own first). Concurrent acquirers never take the same shard.
/// </summary>
public sealed record AcquireShardsParams(string NodeId, int Limit, TimeSpan LeaseTtl, DateTimeOffset? Now = null, bool TakeOver = true);

/// <summary>The shards acquired, and the runs rescued from the previous owners of shards taken over.</summary>
public sealed record AcquireShardsResult(IReadOnlyList<ShardLease> Acquired, int TakenOver, int Requeued, int Lost)
{
    /// <summary>Each run rescued from the previous owners, as it is now.</summary>
    public IReadOnlyList<RescuedRun> Rescued { get; init; } = [];
}

/// <summary>
/// Give shards back at once (rebalancing, or stopping): owner = null, expires_at = now, epoch unchanged. Only shards
/// the node holds are released. A released shard's running runs keep their leases: they finish on the node that
/// runs them.
/// </summary>
public sealed record ReleaseShardsParams(string NodeId, IReadOnlyList<int> Shards, DateTimeOffset? Now = null);

public sealed record ReleaseShardsResult(int Released);

/// <summary>A node stops: releases every shard it holds and removes its row.</summary>
public sealed record LeaveClusterParams(string NodeId, DateTimeOffset? Now = null);

public sealed record LeaveClusterResult(int Released);

/// <summary>Deletes the rows of nodes whose last heartbeat is older than <paramref name="HeartbeatBefore"/>.</summary>
public sealed record ForgetNodesParams(DateTimeOffset HeartbeatBefore);

public sealed record ForgetNodesResult(int Forgotten);
