namespace Kron.Protocol;

/// <summary>
/// <c>GET /v1/stats</c>: the serving node's live series, one point per <paramref name="Interval"/> for the last five
/// minutes, oldest first (the dashboard's live chart). Counts are of this node's runs (the ones it executed, or leased to
/// workers through it); Prometheus' <c>/metrics</c> of every node is the way to see a cluster's totals over time.
/// </summary>
public sealed record StatsResponse(string Node, TimeSpan Interval, IReadOnlyList<StatsPoint> Points);

/// <summary>
/// One interval: attempts started, finished and failed (failed is part of finished), and the fire lag (start minus the
/// instant the run was due) of the attempts started in it; the lag fields are null when none started.
/// </summary>
public sealed record StatsPoint(DateTimeOffset At, long Started, long Finished, long Failed, double? LagP50Seconds, double? LagP99Seconds, double? LagMaxSeconds);
