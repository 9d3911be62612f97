namespace Kron.Protocol;

/// <summary>
/// <c>GET /v1/stats</c>: the live series, one point per <paramref name="Interval"/> for the last five minutes, oldest
/// first (the dashboard's live chart). In a cluster the serving node <paramref name="Node"/> asks every live node for its
/// own series (<c>?scope=node</c>) and merges them: counts add up; p50 is the started-weighted mean of the nodes' p50s,
/// p99 and max are the largest (upper bounds). <see cref="Nodes"/> are the nodes included, <see cref="Unreachable"/> the
/// live ones that did not answer in time.
/// </summary>
public sealed record StatsResponse(string Node, TimeSpan Interval, IReadOnlyList<StatsPoint> Points)
{
    /// <summary>The nodes whose runs are counted.</summary>
    public IReadOnlyList<string> Nodes { get; init; } = [];

    /// <summary>Live nodes that did not answer (their runs are missing from the points).</summary>
    public IReadOnlyList<string> Unreachable { get; init; } = [];
}

/// <summary>
/// One interval: attempts started, finished and failed (failed is part of finished), and the fire lag (start minus the
/// instant the run was due) of the attempts started in it; the lag fields are null when none started.
/// </summary>
public sealed record StatsPoint(DateTimeOffset At, long Started, long Finished, long Failed, double? LagP50Seconds, double? LagP99Seconds, double? LagMaxSeconds);
