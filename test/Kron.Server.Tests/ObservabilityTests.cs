using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json.Nodes;
using Kron.Engine.Observability;
using Kron.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Kron.Server.Tests;

/// <summary>What a node tells about its runs: one log line per state change, the Kron meter's instruments, <c>/v1/stats</c>.</summary>
public sealed class ObservabilityTests
{
    private static readonly JsonObject FailingNoop = new() { ["type"] = "noop", ["fail_rate"] = 1.0 };

    [Fact]
    public async Task RunLifecycle_Succeeds_OneInformationLinePerStateChangeAndNothingPerPoll()
    {
        var logs = new CapturingLoggerProvider();
        await using var node = await TestNode.StartAsync(configure: b => b.Logging.AddProvider(logs));
        var job = await node.CreateJobAsync(JobBodies.Noop());
        var runId = (string)(await node.TriggerAsync((string)job["id"]!))["id"]!;

        await node.WaitForRunAsync(runId, "succeeded");
        var lines = await Eventually.GetAsync(
            () => Task.FromResult(logs.Lines.Count(l => l.Category == RunEvents.Category) >= 3 ? logs.Lines : null),
            TestNode.RunTimeout,
            "three run lines");

        // Polls ran every 50 ms meanwhile: only the run's own lines are in the Kron categories at Information or above.
        // (The API's "queued" line and the dispatcher's "started" line come from two threads: either may be first.)
        var kron = lines.Where(l => l.Category.StartsWith("Kron", StringComparison.Ordinal) && l.Level >= LogLevel.Information).OrderBy(l => l.EventId).ToList();
        Assert.True(
            kron.Select(l => l.EventId).SequenceEqual([1700, 1702, 1703]),
            "expected queued, started, succeeded; got:\n" + string.Join("\n", kron.Select(l => $"{l.Category}[{l.EventId}] {l.Message}")));
        Assert.All(kron, l =>
        {
            Assert.Equal(LogLevel.Information, l.Level);
            Assert.Equal(runId, l.State["RunId"]);
            Assert.Equal((string)job["id"]!, l.State["JobId"]);
        });
        Assert.Contains("manual trigger", kron[0].Message, StringComparison.Ordinal);
        Assert.DoesNotContain(lines, l => l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) && l.Level < LogLevel.Warning);
        Assert.Contains("succeeded", kron[2].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingRun_NoRetriesLeft_IsLoggedDeadAtWarningAndCounted()
    {
        var logs = new CapturingLoggerProvider();
        await using var node = await TestNode.StartAsync(configure: b => b.Logging.AddProvider(logs));
        using var meters = new KronMeasurements(node.Service<IMeterFactory>());
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["retries"] = 0, ["target"] = FailingNoop.DeepClone() }));
        var runId = (string)(await node.TriggerAsync((string)job["id"]!))["id"]!;

        await node.WaitForRunAsync(runId, "dead");

        var dead = await Eventually.GetAsync(
            () => Task.FromResult(logs.Lines.FirstOrDefault(l => l.EventId == 1705)),
            TestNode.RunTimeout,
            "the dead-letter line");
        Assert.Equal(LogLevel.Warning, dead.Level);
        Assert.Equal(runId, dead.State["RunId"]);
        Assert.Equal(1, meters.Sum("kron.runs.started"));
        Assert.Equal(1, meters.Sum("kron.runs", ("outcome", "failed")));
        Assert.Equal(1, meters.Sum("kron.runs.dead_lettered"));
        Assert.Equal(0, meters.Sum("kron.runs", ("outcome", "succeeded")));
        Assert.Equal(1, meters.Count("kron.fire_lag"));
    }

    [Fact]
    public async Task FailingRun_WithRetries_CountsEachRetry()
    {
        await using var node = await TestNode.StartAsync();
        using var meters = new KronMeasurements(node.Service<IMeterFactory>());
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new()
        {
            ["retries"] = 2,
            ["retry"] = new JsonObject { ["initial_interval"] = "PT0.01S", ["jitter"] = "none" },
            ["target"] = FailingNoop.DeepClone(),
        }));
        var runId = (string)(await node.TriggerAsync((string)job["id"]!))["id"]!;

        await node.WaitForRunAsync(runId, "dead");

        await Eventually.GetAsync(() => Task.FromResult(meters.Sum("kron.runs.dead_lettered") == 1 ? "" : null), TestNode.RunTimeout, "the dead letter counted");
        Assert.Equal(3, meters.Sum("kron.runs.started"));
        Assert.Equal(2, meters.Sum("kron.run.retries"));
        Assert.Equal(3, meters.Sum("kron.runs", ("outcome", "failed")));
    }

    [Fact]
    public async Task Sampler_RunsInTheDatabase_GaugesShowQueuedAndDead()
    {
        await using var node = await TestNode.StartAsync();
        using var meters = new KronMeasurements(node.Service<IMeterFactory>());
        var job = await node.CreateJobAsync(JobBodies.Noop().With(new() { ["retries"] = 0, ["target"] = FailingNoop.DeepClone() }));
        await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "dead");
        await node.CreateJobAsync(JobBodies.Noop().With(new() { ["target"] = new JsonObject { ["type"] = "queue", ["queue"] = "mail", ["job_type"] = "send" } }));
        var queueJob = (await node.GetAsync("/v1/jobs?limit=1")).Object["items"]![0]!["id"]!.ToString();
        await node.TriggerAsync(queueJob);

        await node.Service<MetricsSampler>().RunOnceAsync(CancellationToken.None);

        Assert.Equal(1, meters.Observe("kron.dead_letters"));
        Assert.Equal(1, meters.Observe("kron.runs.queued"));
        Assert.Equal(1, meters.Observe("kron.queue.depth", ("queue", "mail")));
        Assert.Equal(Kron.Storage.Shards.Count, meters.Observe("kron.node.shards"));
    }

    [Fact]
    public async Task Stats_AfterARun_HasThreeHundredSecondsWithTheRunAndItsLag()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Noop());
        await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded");

        var stats = await Eventually.GetAsync(
            async () =>
            {
                var body = (await node.GetAsync("/v1/stats")).Object;
                return body["points"]!.AsArray().Sum(p => (long)p!["finished"]!) >= 1 ? body : null;
            },
            TestNode.RunTimeout,
            "the run in the stats");

        Assert.Equal("test", (string?)stats["node"]);
        Assert.Equal("PT1S", (string?)stats["interval"]);
        Assert.Equal(["test"], stats["nodes"]!.AsArray().Select(n => (string)n!));
        Assert.Empty(stats["unreachable"]!.AsArray());
        var points = stats["points"]!.AsArray();
        Assert.Equal(LiveStats.Seconds, points.Count);
        Assert.Equal(1, points.Sum(p => (long)p!["started"]!));
        var started = points.Single(p => (long)p!["started"]! == 1)!;
        Assert.True((double)started["lag_p50_seconds"]! >= 0);
        Assert.True((double)started["lag_max_seconds"]! >= (double)started["lag_p99_seconds"]!);
        Assert.Null(points[0]!["lag_p50_seconds"]);
    }

    /// <summary>Reads this node's Kron instruments (its meter factory's only: other nodes in the process are ignored).</summary>
    private sealed class KronMeasurements : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> _measured = new();

        public KronMeasurements(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == KronMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => _measured.Enqueue((i.Name, v, tags.ToArray())));
            _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => _measured.Enqueue((i.Name, v, tags.ToArray())));
            _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => _measured.Enqueue((i.Name, v, tags.ToArray())));
            _listener.Start();
        }

        public double Sum(string name, params (string Key, string Value)[] tags) => Matching(name, tags).Sum(m => m.Value);

        public int Count(string name) => Matching(name, []).Count();

        /// <summary>The current value of an observable gauge.</summary>
        public double Observe(string name, params (string Key, string Value)[] tags)
        {
            _measured.Clear();
            _listener.RecordObservableInstruments();
            return Matching(name, tags).Single().Value;
        }

        public void Dispose() => _listener.Dispose();

        private IEnumerable<(string Name, double Value, KeyValuePair<string, object?>[] Tags)> Matching(string name, (string Key, string Value)[] tags) =>
            _measured.Where(m => m.Name == name && tags.All(t => m.Tags.Any(x => x.Key == t.Key && Equals(x.Value, t.Value))));
    }
}

/// <summary>Keeps every log line with its category, level, event id and structured state.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogLine> _lines = new();

    public IReadOnlyList<LogLine> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<LogLine> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs
                ? pairs.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal)
                : [];
            lines.Enqueue(new LogLine(category, logLevel, eventId.Id, formatter(state, exception), values));
        }
    }
}

internal sealed record LogLine(string Category, LogLevel Level, int EventId, string Message, IReadOnlyDictionary<string, object?> State);
