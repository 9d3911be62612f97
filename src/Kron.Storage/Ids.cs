namespace Kron.Storage;

/// <summary>
/// Identifiers: version-7 GUIDs as 32 lower-case hex digits, so they sort by creation time (lists are newest first by
/// id) and are unique across nodes without coordination.
/// </summary>
public static class Ids
{
    public static string New(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        return Guid.CreateVersion7(time.GetUtcNow()).ToString("N");
    }

    /// <summary>The shard of a job: a stable hash of its id modulo the shard count.</summary>
    public static int ShardOf(string id, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(id);
        uint hash = 2166136261;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % (uint)shardCount);
    }

    public const int DefaultShardCount = 256;
}
