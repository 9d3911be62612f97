using BenchmarkDotNet.Attributes;
using Kron.Core.Model;
using Kron.Engine;
using Kron.Engine.Cluster;
using Kron.Engine.Dispatch;
using Kron.Engine.Execution;
using Kron.Engine.Scheduling;
using Kron.Storage;
using Kron.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kron.Benchmarks;

/// <summary>
/// A node's hot path on a real SQLite file (or PostgreSQL, see <see cref="Setup"/>), per run: 1,000 one-time <c>noop</c> jobs due now; one operation fires them
/// (one trigger pass: due scan, plan, one fire transaction) and, in <see cref="FireClaimExecuteComplete"/>, executes
/// them on the dispatcher (fire-and-claim) and writes their completions. <c>OperationsPerInvoke</c> makes every figure
/// per run. Issue 6 asks for no per-run allocations on the hot path; <c>[MemoryDiagnoser]</c> counts what is left.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class HotPathBenchmarks : IDisposable
{
    private const int Runs = 1000;

    private string _directory = "";
    private IStorageDriver? _storage;
    private JobTrigger? _trigger;
    private JobTrigger? _fireAndClaim;
    private RunDispatcher? _dispatcher;
    private int _round;

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "kron-hotpath-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
        var time = TimeProvider.System;
        // KRON_HOTPATH_POSTGRES (a connection string) runs the same path on PostgreSQL, in an empty database.
        _storage = Environment.GetEnvironmentVariable("KRON_HOTPATH_POSTGRES") is { Length: > 0 } postgres
            ? Kron.Storage.Postgres.PostgresDriver.Open(postgres)
            : SqliteDriver.Open(Path.Combine(_directory, "kron.db"), time);
        _storage.MigrateAsync(new MigrateParams(), CancellationToken.None).GetAwaiter().GetResult();
        var signals = new EngineSignals();
        var node = Options.Create(new NodeOptions { NodeId = "bench", DataDirectory = _directory });
        var ownership = ShardOwnership.Exclusive(time);
        _dispatcher = new RunDispatcher(
            _storage, ownership, [new NoopRunExecutor(time)], signals, time, Options.Create(new RunDispatcherOptions()), node, NullLogger<RunDispatcher>.Instance);
        // hotpath-loop inserts all its jobs first and fires them over several seconds: a long misfire threshold keeps
        // them on time, as they are in the benchmark (and in a node that keeps up).
        var options = Options.Create(new JobTriggerOptions { LookAhead = TimeSpan.Zero, MisfireThreshold = TimeSpan.FromHours(1) });
        _trigger = new JobTrigger(_storage, ownership, signals, time, options, node, NullLogger<JobTrigger>.Instance);
        _fireAndClaim = new JobTrigger(_storage, ownership, signals, time, options, node, NullLogger<JobTrigger>.Instance, _dispatcher);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Benchmark classes cannot be sealed (BenchmarkDotNet derives from them), hence the pattern.</summary>
    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        _dispatcher?.Dispose();
        _trigger?.Dispose();
        _fireAndClaim?.Dispose();
        _storage?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>1,000 jobs due now (inserted outside the measurement).</summary>
    [IterationSetup]
    public void AddDueJobs()
    {
        _round++;
        var now = TimeProvider.System.GetUtcNow();
        var jobs = Enumerable.Range(0, Runs).Select(i =>
        {
            var id = Ids.New(TimeProvider.System);
            return new JobRecord
            {
                Id = id,
                Name = $"r{_round}-{i}",
                ScheduleKind = ScheduleKind.At,
                ScheduleTime = now,
                Target = """{"type":"noop"}""",
                Shard = Ids.ShardOf(id, Ids.DefaultShardCount),
                NextFireAt = now,
                CreatedAt = now,
                UpdatedAt = now,
            };
        }).ToList();
        _storage!.InsertJobsAsync(new InsertJobsParams(jobs), CancellationToken.None).GetAwaiter().GetResult();
    }

    /// <summary>One trigger pass without a dispatcher: the runs are inserted queued.</summary>
    [Benchmark(OperationsPerInvoke = Runs)]
    public async Task<int> Fire() => (await _trigger!.RunOnceAsync(CancellationToken.None)).Fired;

    /// <summary>Fire-and-claim, execute (noop) and complete: the whole life of a run on the node.</summary>
    [Benchmark(OperationsPerInvoke = Runs)]
    public async Task<int> FireClaimExecuteComplete()
    {
        var fired = (await _fireAndClaim!.RunOnceAsync(CancellationToken.None)).Fired;
        await _dispatcher!.DrainAsync(CancellationToken.None);
        return fired;
    }
}
