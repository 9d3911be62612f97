using System.Diagnostics;
using System.Diagnostics.Metrics;
using Kron.Engine.Cluster;
using Kron.Storage;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Observability;

/// <summary>
/// The node's instruments on the <c>Kron</c> meter (created through the host's <see cref="IMeterFactory"/>, so each
/// node in a process has its own). Counters and histograms are recorded where things happen; the gauges that describe
/// the whole database (queued, running, dead, queue depth) read the last <see cref="MetricsSampler"/> snapshot, and
/// are therefore the same on every node of a cluster. The names are OpenTelemetry-style; <c>/metrics</c> renders them
/// the Prometheus way (<c>kron.fire_lag</c> in seconds is <c>kron_fire_lag_seconds</c>). docs/metrics.md lists them.
/// </summary>
public sealed class KronMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Kron";

    private static readonly double[] LagBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
    private static readonly double[] RoundTripBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    private readonly Histogram<double> _fireLag;
    private readonly Counter<long> _started;
    private readonly Counter<long> _finished;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _skipped;
    private readonly Counter<long> _takeovers;
    private readonly Histogram<double> _roundTrip;
    private readonly ShardOwnership _ownership;
    private readonly string _nodeId;
    private volatile StorageSnapshot? _snapshot;
    private Func<int> _inFlight = () => 0;

    public KronMetrics(IMeterFactory meterFactory, ShardOwnership ownership, IOptions<NodeOptions> node, LiveStats live)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _ownership = ownership;
        _nodeId = node.Value.NodeId;
        Live = live;
        var meter = meterFactory.Create(MeterName);
        _fireLag = meter.CreateHistogram<double>(
            "kron.fire_lag",
            "s",
            "How late runs started: the start minus the instant the run was due (its slot, or its retry time).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LagBuckets });
        _started = meter.CreateCounter<long>("kron.runs.started", "{run}", "Run attempts started (by a node, or leased to a worker).");
        _finished = meter.CreateCounter<long>(
            "kron.runs",
            "{run}",
            "Run attempts finished, by outcome: succeeded, failed (retried or not), cancelled, lost, requeued (interrupted, run again), snoozed.");
        _retries = meter.CreateCounter<long>("kron.run.retries", "{run}", "Failed attempts queued again for a retry with backoff.");
        _deadLettered = meter.CreateCounter<long>("kron.runs.dead_lettered", "{run}", "Runs that used every attempt and became dead (the dead-letter list).");
        _skipped = meter.CreateCounter<long>("kron.slots_skipped", "{slot}", "Slots not run, by reason: misfire, starting_deadline, concurrency_forbid, concurrency_replace, max_concurrent.");
        _takeovers = meter.CreateCounter<long>("kron.shard.takeovers", "{shard}", "Shards this node took over from a node whose lease expired.");
        _roundTrip = meter.CreateHistogram<double>(
            "kron.db.round_trip",
            "s",
            "Duration of the engine's database calls, by operation.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = RoundTripBuckets });
        meter.CreateObservableGauge("kron.runs.queued", () => Snapshot(s => s.Counts.Queued), "{run}", "Runs waiting to start (ready or later), in the whole database.");
        meter.CreateObservableGauge("kron.runs.running", () => Snapshot(s => s.Counts.Running), "{run}", "Runs running now, in the whole database.");
        meter.CreateObservableGauge("kron.dead_letters", () => Snapshot(s => s.Counts.Dead), "{run}", "Runs in the dead-letter list now, in the whole database.");
        meter.CreateObservableGauge("kron.queue.depth", () => Queues(q => q.Queued), "{run}", "Runs queued per worker queue.");
        meter.CreateObservableGauge("kron.queue.leased", () => Queues(q => q.Running), "{run}", "Runs leased to workers per worker queue.");
        meter.CreateObservableGauge("kron.node.runs_in_flight", () => _inFlight(), "{run}", "Runs executing on this node now.");
        meter.CreateObservableGauge("kron.node.shards", OwnedShards, "{shard}", "Shards this node acts on now.");
    }

    /// <summary>The per-second series behind <c>GET /v1/stats</c>, fed by the same calls.</summary>
    public LiveStats Live { get; }

    /// <summary>Sets what <c>kron.node.runs_in_flight</c> reads (the dispatcher's count).</summary>
    public void ObserveInFlight(Func<int> inFlight) => _inFlight = inFlight;

    /// <summary>An attempt started <paramref name="seconds"/> after it was due.</summary>
    public void RunStarted(double seconds)
    {
        _started.Add(1);
        _fireLag.Record(seconds);
        Live.RecordStarted(seconds);
    }

    /// <summary>An attempt finished with <paramref name="outcome"/>.</summary>
    public void RunFinished(RunOutcomeKind outcome)
    {
        _finished.Add(1, new KeyValuePair<string, object?>("outcome", RunOutcomes.Label(outcome)));
        Live.RecordFinished(outcome, 1);
    }

    /// <summary>A failed attempt was queued again for a retry.</summary>
    public void RunRetried() => _retries.Add(1);

    /// <summary>A run used every attempt.</summary>
    public void RunDeadLettered() => _deadLettered.Add(1);

    /// <summary>A slot was skipped; <paramref name="reason"/> is the run's skip reason text.</summary>
    public void SlotSkipped(string? reason) =>
        _skipped.Add(1, new KeyValuePair<string, object?>("reason", SkipReasons.Code(reason)));

    /// <summary>Shards taken over from expired leases.</summary>
    public void ShardsTakenOver(int count)
    {
        if (count > 0)
        {
            _takeovers.Add(count);
        }
    }

    /// <summary>Times one database call: <c>using (metrics.Time("claim_runs")) { … }</c>.</summary>
    public RoundTrip Time(string operation) => new(_roundTrip, operation);

    /// <summary>The sampler's newest reading of the database.</summary>
    public void Publish(StorageSnapshot snapshot) => _snapshot = snapshot;

    private IEnumerable<Measurement<long>> Snapshot(Func<StorageSnapshot, long> read) =>
        _snapshot is { } s ? [new Measurement<long>(read(s))] : [];

    private IEnumerable<Measurement<long>> Queues(Func<QueueRecord, long> read) =>
        _snapshot is { } s
            ? s.Queues.Select(q => new Measurement<long>(read(q), new KeyValuePair<string, object?>("queue", q.Name)))
            : [];

    private int OwnedShards() => _ownership.CurrentFence(_nodeId) is { } fence ? fence.Shards.Count : Shards.Count;

    /// <summary>A database call being timed; records its duration when disposed.</summary>
    public readonly struct RoundTrip(Histogram<double> histogram, string operation) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        /// <inheritdoc />
        public void Dispose() =>
            histogram.Record(Stopwatch.GetElapsedTime(_started).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
    }
}

/// <summary>What the sampler read: run counts and worker queues.</summary>
public sealed record StorageSnapshot(CountRunsResult Counts, IReadOnlyList<QueueRecord> Queues);
