using Kron.Storage;

namespace Kron.Engine.Cluster;

/// <summary>
/// Which shards this node may act on now, and the fence its writes carry. Two modes:
/// <list type="bullet">
/// <item><b>Exclusive</b> (embedded SQLite): the data directory's file lock already proves no other node exists, so the
/// node acts on every shard and its writes carry no fence.</item>
/// <item><b>Leased</b> (cluster): <see cref="ShardLeaser"/> publishes the shards it holds with their epochs and a local
/// deadline, measured on the monotonic clock from before the renewal was sent, a margin earlier than the database's
/// expiry. A shard whose deadline passed is dropped at once (self-fencing): a node that cannot renew stops firing and
/// claiming before anyone else may take the shard over. The database checks the epoch of every fenced write anyway.</item>
/// </list>
/// </summary>
public sealed class ShardOwnership
{
    private readonly TimeProvider _time;
    private volatile IReadOnlyList<HeldShard> _held = [];

    private ShardOwnership(TimeProvider time, bool exclusive)
    {
        _time = time;
        IsExclusive = exclusive;
    }

    /// <summary>True when this node is the only one (embedded): every shard, no fence.</summary>
    public bool IsExclusive { get; }

    /// <summary>A node alone on its database (the file lock guarantees it).</summary>
    public static ShardOwnership Exclusive(TimeProvider time) => new(time, exclusive: true);

    /// <summary>A cluster node: shards as <see cref="ShardLeaser"/> holds them.</summary>
    public static ShardOwnership Leased(TimeProvider time) => new(time, exclusive: false);

    /// <summary>
    /// The shards this node may act on now with their epochs, or null for all shards unfenced (exclusive mode). Empty
    /// when it holds none (not yet acquired, or every lease lapsed).
    /// </summary>
    public ShardFence? CurrentFence(string nodeId)
    {
        if (IsExclusive)
        {
            return null;
        }

        var now = _time.GetTimestamp();
        return new ShardFence(nodeId, [.. _held.Where(l => l.Deadline > now).Select(l => new ShardEpoch(l.Shard, l.Epoch))]);
    }

    /// <summary>Whether this node currently acts on <paramref name="shard"/>.</summary>
    public bool Owns(int shard)
    {
        if (IsExclusive)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        return _held.Any(l => l.Shard == shard && l.Deadline > now);
    }

    /// <summary>How many shards this node acts on now.</summary>
    public int Count => IsExclusive ? Shards.Count : CurrentFence(string.Empty)!.Shards.Count;

    /// <summary>Publishes what the leaser holds: each shard's epoch and its local deadline.</summary>
    internal void Publish(IEnumerable<HeldShard> leases) => _held = [.. leases.OrderBy(l => l.Shard)];

    /// <summary>The shards last published, whatever their deadline.</summary>
    internal IReadOnlyList<HeldShard> Published => _held;

    /// <summary>Drops every shard at once (stopping, or before giving them back).</summary>
    internal void Clear() => Publish([]);

    /// <summary>Drops some shards at once (before releasing them).</summary>
    internal void Drop(IReadOnlyCollection<int> shards) => Publish(_held.Where(l => !shards.Contains(l.Shard)));
}

/// <summary>A shard held with its epoch until a local deadline (a <see cref="TimeProvider.GetTimestamp"/> value).</summary>
internal sealed record HeldShard(int Shard, long Epoch, long Deadline);
