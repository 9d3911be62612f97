namespace Kron.Engine.Observability;

/// <summary>
/// This node's last five minutes, one point per second: attempts started and finished, failures, and the fire lag's
/// p50/p99/max (behind <c>GET /v1/stats</c> and the dashboard's live chart). A ring of 300 buckets; a lag histogram per
/// bucket with 64 exponential bounds (1 ms × 1.25ⁿ, to about 20 minutes), so percentiles are within 25% of the truth.
/// Hand-written because it is small; the exported histogram for alerting is <c>kron_fire_lag_seconds</c>.
/// </summary>
public sealed class LiveStats(TimeProvider time)
{
    /// <summary>How many seconds are kept.</summary>
    public const int Seconds = 300;

    private const int LagBounds = 64;
    private const double FirstBound = 0.001;
    private const double Growth = 1.25;

    private readonly Bucket[] _ring = CreateRing();
    private readonly Lock _gate = new();

    /// <summary>An attempt started <paramref name="lagSeconds"/> late.</summary>
    public void RecordStarted(double lagSeconds)
    {
        lock (_gate)
        {
            var bucket = Current();
            bucket.Started++;
            bucket.LagCounts[BoundIndex(lagSeconds)]++;
            bucket.LagMax = Math.Max(bucket.LagMax, lagSeconds);
        }
    }

    /// <summary>Attempts finished with <paramref name="outcome"/>.</summary>
    public void RecordFinished(RunOutcomeKind outcome, long count)
    {
        lock (_gate)
        {
            var bucket = Current();
            bucket.Finished += count;
            if (outcome == RunOutcomeKind.Failed)
            {
                bucket.Failed += count;
            }
        }
    }

    /// <summary>The last <see cref="Seconds"/> seconds up to now, oldest first; seconds with nothing are zeros.</summary>
    public IReadOnlyList<LivePoint> Read()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var points = new List<LivePoint>(Seconds);
        lock (_gate)
        {
            for (var second = now - Seconds + 1; second <= now; second++)
            {
                var bucket = _ring[Slot(second)];
                var at = DateTimeOffset.FromUnixTimeSeconds(second);
                points.Add(bucket.Second == second
                    ? new LivePoint(at, bucket.Started, bucket.Finished, bucket.Failed, Percentile(bucket, 0.5), Percentile(bucket, 0.99), bucket.Started > 0 ? bucket.LagMax : null)
                    : new LivePoint(at, 0, 0, 0, null, null, null));
            }
        }

        return points;
    }

    private static Bucket[] CreateRing()
    {
        var ring = new Bucket[Seconds];
        for (var i = 0; i < ring.Length; i++)
        {
            ring[i] = new Bucket();
        }

        return ring;
    }

    private static int Slot(long second) => (int)(((second % Seconds) + Seconds) % Seconds);

    private static int BoundIndex(double seconds)
    {
        if (seconds <= FirstBound)
        {
            return 0;
        }

        var index = (int)Math.Ceiling(Math.Log(seconds / FirstBound, Growth));
        return Math.Clamp(index, 0, LagBounds - 1);
    }

    private static double? Percentile(Bucket bucket, double quantile)
    {
        if (bucket.Started == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(quantile * bucket.Started);
        long seen = 0;
        for (var i = 0; i < LagBounds; i++)
        {
            seen += bucket.LagCounts[i];
            if (seen >= rank)
            {
                return Math.Min(FirstBound * Math.Pow(Growth, i), bucket.LagMax);
            }
        }

        return bucket.LagMax;
    }

    private Bucket Current()
    {
        var second = time.GetUtcNow().ToUnixTimeSeconds();
        var bucket = _ring[Slot(second)];
        if (bucket.Second != second)
        {
            bucket.Reset(second);
        }

        return bucket;
    }

    private sealed class Bucket
    {
        public long Second = long.MinValue;
        public long Started;
        public long Finished;
        public long Failed;
        public double LagMax;
        public readonly long[] LagCounts = new long[LagBounds];

        public void Reset(long second)
        {
            Second = second;
            Started = 0;
            Finished = 0;
            Failed = 0;
            LagMax = 0;
            Array.Clear(LagCounts);
        }
    }
}

/// <summary>One second of <see cref="LiveStats"/>.</summary>
public sealed record LivePoint(DateTimeOffset At, long Started, long Finished, long Failed, double? LagP50, double? LagP99, double? LagMax);
