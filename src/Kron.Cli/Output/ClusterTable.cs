using System.Globalization;
using Kron.Protocol;

namespace Kron.Cli.Output;

/// <summary><c>kron cluster status</c> for people: the nodes, then the shard map folded into ranges per owner.</summary>
internal static class ClusterTable
{
    public static void Write(TextWriter writer, ClusterResponse cluster)
    {
        var held = cluster.Shards.Count(s => s.Owner is not null);
        writer.WriteLine($"Mode: {cluster.Mode}; database time {JobTable.Instant(cluster.Now)}; {cluster.Shards.Count} shards, {held} held, {cluster.Shards.Count - held} unowned");
        writer.WriteLine();
        var nodes = new TextTable("NODE", "STATE", "SHARDS", "HEARTBEAT", "ADDRESS", "STARTED", "VERSION");
        foreach (var node in cluster.Nodes)
        {
            nodes.AddRow(
                node.Id,
                node.Alive ? "alive" : "down",
                node.Shards.ToString(CultureInfo.InvariantCulture),
                JobTable.Instant(node.HeartbeatAt),
                node.Address,
                JobTable.Instant(node.StartedAt),
                node.Version);
        }

        nodes.Write(writer);
        writer.WriteLine();
        var map = new TextTable("SHARDS", "OWNER", "EPOCHS");
        foreach (var range in Ranges(cluster.Shards))
        {
            var shards = range.First.Shard == range.Last.Shard
                ? range.First.Shard.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{range.First.Shard}-{range.Last.Shard}");
            var epochs = range.MinEpoch == range.MaxEpoch
                ? range.MinEpoch.ToString(CultureInfo.InvariantCulture)
                : string.Create(CultureInfo.InvariantCulture, $"{range.MinEpoch}-{range.MaxEpoch}");
            map.AddRow(shards, range.First.Owner ?? "(unowned)", epochs);
        }

        map.Write(writer);
    }

    private static List<ShardRange> Ranges(IReadOnlyList<ClusterShard> shards)
    {
        var ranges = new List<ShardRange>();
        foreach (var shard in shards.OrderBy(s => s.Shard))
        {
            if (ranges.Count > 0 && ranges[^1].Last.Shard == shard.Shard - 1 && ranges[^1].First.Owner == shard.Owner)
            {
                var last = ranges[^1];
                ranges[^1] = last with { Last = shard, MinEpoch = Math.Min(last.MinEpoch, shard.Epoch), MaxEpoch = Math.Max(last.MaxEpoch, shard.Epoch) };
            }
            else
            {
                ranges.Add(new ShardRange(shard, shard, shard.Epoch, shard.Epoch));
            }
        }

        return ranges;
    }

    private sealed record ShardRange(ClusterShard First, ClusterShard Last, long MinEpoch, long MaxEpoch);
}
