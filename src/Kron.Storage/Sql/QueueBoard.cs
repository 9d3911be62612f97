using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// What both drivers compute the same way around their queue SQL: how many runs each queue may still lease under its
/// limit, the queue list from per-queue counts and limits, and workers with the runs they hold.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class QueueBoard
{
    /// <summary>
    /// Per asked queue (distinct, in order), how many runs it may lease now: <paramref name="limit"/>, or less when the
    /// queue has a limit (its max minus its leased runs). Queues with no room are left out.
    /// </summary>
    public static IReadOnlyList<(string Queue, int Room)> Room(
        IReadOnlyList<string> queues, int limit, IReadOnlyDictionary<string, int> limits, IReadOnlyDictionary<string, long> leased)
    {
        ArgumentNullException.ThrowIfNull(queues);
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(leased);
        var room = new List<(string, int)>(queues.Count);
        foreach (var queue in queues.Distinct(StringComparer.Ordinal))
        {
            var free = limits.TryGetValue(queue, out var max) ? max - leased.GetValueOrDefault(queue) : limit;
            if (free > 0)
            {
                room.Add((queue, (int)Math.Min(free, limit)));
            }
        }

        return room;
    }

    /// <summary>The queues with live runs or a limit, by name.</summary>
    public static IReadOnlyList<QueueRecord> Queues(
        IEnumerable<(string Queue, long Queued, long Running)> counts, IEnumerable<(string Queue, int? MaxLeased)> limits)
    {
        var byName = new SortedDictionary<string, QueueRecord>(StringComparer.Ordinal);
        foreach (var (queue, queued, running) in counts)
        {
            var known = byName.GetValueOrDefault(queue) ?? new QueueRecord(queue, 0, 0, null);
            byName[queue] = known with { Queued = known.Queued + queued, Running = known.Running + running };
        }

        foreach (var (queue, max) in limits)
        {
            var known = byName.GetValueOrDefault(queue) ?? new QueueRecord(queue, 0, 0, null);
            byName[queue] = known with { MaxLeased = max };
        }

        return [.. byName.Values];
    }

    /// <summary>Workers with the running runs leased to each (runs of owners without a worker row are dropped).</summary>
    public static IReadOnlyList<WorkerRecord> Workers(IEnumerable<WorkerRecord> workers, IEnumerable<RunRecord> held)
    {
        var runs = held.Where(r => r.State == RunState.Running && r.LeaseOwner is not null)
            .GroupBy(r => r.LeaseOwner!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<RunRecord>)[.. g], StringComparer.Ordinal);
        return [.. workers.Select(w => w with { Runs = runs.GetValueOrDefault(w.Worker) ?? [] })];
    }

    /// <summary>Runs picked per queue, merged in lease order (highest priority, oldest slot, id) and cut to <paramref name="limit"/>.</summary>
    public static IReadOnlyList<string> Pick(IEnumerable<(string Id, int Priority, DateTimeOffset ScheduledFor)> candidates, int limit) =>
        [.. candidates
            .OrderByDescending(c => c.Priority)
            .ThenBy(c => c.ScheduledFor)
            .ThenBy(c => c.Id, StringComparer.Ordinal)
            .Take(limit)
            .Select(c => c.Id)];

    /// <summary>Leased runs in lease order (RETURNING has none).</summary>
    public static IReadOnlyList<RunRecord> InLeaseOrder(IEnumerable<RunRecord> runs) =>
        [.. runs.OrderByDescending(r => r.Priority).ThenBy(r => r.ScheduledFor).ThenBy(r => r.Id, StringComparer.Ordinal)];
}
