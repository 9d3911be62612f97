namespace Kron.Storage;

/// <summary>
/// Per shard, an instant before which none of its jobs is due (<see cref="GetDueJobsResult.NextFireAfterByShard"/>):
/// the drivers build it, the trigger keeps it between passes.
/// </summary>
public static class ShardDue
{
    /// <summary>Makes <paramref name="shard"/>'s instant <paramref name="at"/> if that is earlier (or it had none).</summary>
    public static void Lower(Dictionary<int, DateTimeOffset> due, int shard, DateTimeOffset at)
    {
        ArgumentNullException.ThrowIfNull(due);
        if (!due.TryGetValue(shard, out var known) || at < known)
        {
            due[shard] = at;
        }
    }

    /// <summary>
    /// After a scan that <paramref name="limit"/> cut (as many jobs as the limit, earliest first), every shard may
    /// have more due from the last job returned on.
    /// </summary>
    public static void LowerWhereCut(Dictionary<int, DateTimeOffset> due, IEnumerable<int> shards, IReadOnlyList<JobRecord> jobs, int limit)
    {
        ArgumentNullException.ThrowIfNull(shards);
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count < limit || jobs.Count == 0 || jobs[^1].NextFireAt is not { } last)
        {
            return;
        }

        foreach (var shard in shards)
        {
            Lower(due, shard, last);
        }
    }
}
