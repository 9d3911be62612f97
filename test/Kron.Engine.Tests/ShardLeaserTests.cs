using Kron.Engine.Cluster;
using Kron.Engine.Scheduling;
using Kron.Storage;
using Kron.Storage.Sqlite;
using Kron.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="ShardLeaser"/> and <see cref="ShardOwnership"/> with two leasers on one real SQLite file and a manual
/// database clock: fair shares, rebalancing on join, takeover after a crash, self-fencing, handing shards back; and the
/// fenced <see cref="JobTrigger"/>, which scans only the shards that came due between its scans of every shard.
/// (Real processes on PostgreSQL are in Kron.EndToEnd.Tests' ClusterTests.)
/// </summary>
public sealed class ShardLeaserTests : IAsyncLifetime
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(4);

    private readonly string _directory = Directory.CreateTempSubdirectory("kron-leaser-").FullName;
    private readonly ManualTimeProvider _clock = new(TestJobs.T0);
    private SqliteDriver _storage = null!;

    public async Task InitializeAsync()
    {
        _storage = SqliteDriver.Open(Path.Combine(_directory, "kron.db"), _clock);
        await _storage.MigrateAsync(new MigrateParams(), CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _storage.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task RunOnce_AloneThenASecondNodeJoins_SplitsTheShardsEvenly()
    {
        var (a, ownA) = Leaser("node-a");
        var (b, ownB) = Leaser("node-b");

        Assert.Equal(Shards.Count, (await a.RunOnceAsync(default)).Held);
        var joined = await b.RunOnceAsync(default);
        Assert.Equal((0, 2), (joined.Held, joined.LiveNodes));

        var released = await a.RunOnceAsync(default);
        var acquired = await b.RunOnceAsync(default);

        Assert.Equal((128, 128), (released.Released, released.Held));
        Assert.Equal((128, 0), (acquired.Acquired, acquired.TakenOver));
        Assert.Equal((128, 128), (ownA.Count, ownB.Count));
        var fenceA = ownA.CurrentFence("node-a")!.Shards.Select(s => s.Shard);
        var fenceB = ownB.CurrentFence("node-b")!.Shards.Select(s => s.Shard);
        Assert.Empty(fenceA.Intersect(fenceB));
        Assert.All(ownB.CurrentFence("node-b")!.Shards, s => Assert.Equal(2, s.Epoch));
    }

    [Fact]
    public async Task RunOnce_APeerStopsHeartBeating_TakesOverItsShardsOnlyAfterTheirLeasesExpire()
    {
        var (a, _) = Leaser("node-a");
        var (b, ownB) = Leaser("node-b");
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);

        _clock.Advance(Ttl - TimeSpan.FromMilliseconds(1));
        var early = await b.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        var late = await b.RunOnceAsync(default);

        Assert.Equal((0, 2), (early.Acquired, early.LiveNodes));
        Assert.Equal((128, 128, 1), (late.Acquired, late.TakenOver, late.LiveNodes));
        Assert.Equal(Shards.Count, ownB.Count);
    }

    [Fact]
    public async Task RunOnce_BackFromADatabaseOutage_TakesBackOnlyItsOwnShardsWhileThePeersReconnect()
    {
        var (a, ownA, databaseA) = Leaser("node-a", switchable: true);
        var (b, ownB, databaseB) = Leaser("node-b", switchable: true);
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);
        var before = ownB.CurrentFence("node-b")!.Shards.Select(s => s.Shard).ToList();

        databaseA!.Down = databaseB!.Down = true;
        await Assert.ThrowsAsync<IOException>(() => a.RunOnceAsync(default));
        await Assert.ThrowsAsync<IOException>(() => b.RunOnceAsync(default));
        _clock.Advance(Ttl * 3);
        databaseA.Down = databaseB.Down = false;
        var first = await a.RunOnceAsync(default);
        var second = await b.RunOnceAsync(default);

        Assert.Equal((128, 0, 1), (first.Acquired, first.TakenOver, first.LiveNodes));
        Assert.Equal((128, 0), (second.Acquired, second.TakenOver));
        Assert.Equal(before, ownB.CurrentFence("node-b")!.Shards.Select(s => s.Shard));
        Assert.Equal(128, ownA.Count);
    }

    [Fact]
    public async Task StopAsync_HandsEveryShardBackAtOnce()
    {
        var (a, ownA) = Leaser("node-a");
        await a.StartAsync(default);

        await a.StopAsync(default);

        Assert.Equal(0, ownA.Count);
        var view = await _storage.GetClusterAsync(new GetClusterParams(), default);
        Assert.Empty(view.Nodes);
        Assert.All(view.Shards, s => Assert.Null(s.Owner));
    }

    [Fact]
    public void CurrentFence_PastTheLocalDeadline_IsEmpty()
    {
        var time = new SteppingTimestamps();
        var ownership = ShardOwnership.Leased(time);
        ownership.Publish([new HeldShard(3, 7, time.GetTimestamp() + 100)]);

        var before = ownership.CurrentFence("n")!;
        time.Timestamp += 100;
        var after = ownership.CurrentFence("n")!;

        Assert.Equal([new ShardEpoch(3, 7)], before.Shards);
        Assert.False(ownership.Owns(3));
        Assert.Empty(after.Shards);
        Assert.Null(ShardOwnership.Exclusive(time).CurrentFence("n"));
    }

    [Fact]
    public async Task JobTrigger_WithoutHeldShards_FiresNothing_AndWithThemFiresOnlyTheirJobs()
    {
        var (a, ownA) = Leaser("node-a");
        var (b, _) = Leaser("node-b");
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);
        await a.RunOnceAsync(default);
        await b.RunOnceAsync(default);
        var jobs = new List<JobRecord>();
        foreach (var shard in new[] { 0, 200 })
        {
            var job = TestJobs.Once(TestJobs.T0, TestJobs.Noop()) with { Shard = shard };
            jobs.Add((await _storage.InsertJobAsync(new InsertJobParams(job), default)).Job);
        }

        var idle = Trigger(ShardOwnership.Leased(_clock), "node-c");
        var trigger = Trigger(ownA, "node-a");

        Assert.Equal(0, (await idle.RunOnceAsync(default)).Fired);
        Assert.Equal(1, (await trigger.RunOnceAsync(default)).Fired);
        var runs = (await _storage.ListRunsAsync(new ListRunsParams(10), default)).Items;
        Assert.Equal([jobs[0].Id], runs.Select(r => r.JobId));
        Assert.Equal(0, runs[0].Shard);
    }

    [Fact]
    public async Task JobTrigger_BetweenScansOfEveryShard_ScansOnlyTheShardsThatCameDue_AndFencesEachFireToItsShards()
    {
        var (leaser, ownership) = Leaser("node-a");
        await leaser.RunOnceAsync(default);
        var first = await InsertOnceAsync(TestJobs.T0.AddSeconds(2), shard: 5);
        var second = await InsertOnceAsync(TestJobs.T0.AddSeconds(3), shard: 7);
        var (trigger, _, database) = FencedTrigger(ownership, TimeSpan.FromMinutes(1));

        var full = await trigger.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var idle = await trigger.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        await leaser.RunOnceAsync(default);
        var atFirst = await trigger.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromSeconds(1));
        var atSecond = await trigger.RunOnceAsync(default);

        Assert.Equal(TestJobs.T0.AddSeconds(2), full.NextFireAt);
        Assert.Equal((0, TestJobs.T0.AddSeconds(2)), (idle.Fired, idle.NextFireAt));
        Assert.Equal((1, TestJobs.T0.AddSeconds(3)), (atFirst.Fired, atFirst.NextFireAt));
        Assert.Equal(1, atSecond.Fired);
        Assert.Equal([Shards.Count, 1, 1], database.DueScans.Select(s => s.Shards!.Count));
        Assert.Equal([5, 7], database.DueScans.Skip(1).Select(s => s.Shards![0]));
        Assert.Null(database.DueScans[0].From);
        Assert.Equal([[TestJobs.T0.AddSeconds(2)], [TestJobs.T0.AddSeconds(3)]], database.DueScans.Skip(1).Select(s => s.From));
        Assert.Equal([[5], [7]], database.Fires.Select(f => f.Fence!.Shards.Select(s => s.Shard)));
        var runs = (await _storage.ListRunsAsync(new ListRunsParams(10), default)).Items;
        Assert.Equal(new[] { first.Id, second.Id }.Order(StringComparer.Ordinal), runs.Select(r => r.JobId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task JobTrigger_AJobOfAShardChanged_ReadsThatShardFromTheStartOfItsRange()
    {
        var (trigger, signals, database) = await FencedTriggerAfterAScanAsync();

        var job = await InsertOnceAsync(TestJobs.T0, shard: 9);
        signals.WakeTrigger(job.Shard);
        var pass = await trigger.RunOnceAsync(default);

        Assert.Equal(1, pass.Fired);
        Assert.Equal([9], database.DueScans[1].Shards);
        Assert.Equal([DateTimeOffset.MinValue], database.DueScans[1].From);
        Assert.Equal(job.Id, await SingleRunsJobIdAsync());
    }

    [Fact]
    public async Task JobTrigger_JobsOfShardsNotNamedChanged_ScansEveryShardAtOnce()
    {
        var (trigger, signals, database) = await FencedTriggerAfterAScanAsync();

        var job = await InsertOnceAsync(TestJobs.T0, shard: 9);
        signals.WakeTrigger(3);
        signals.WakeTrigger();
        var pass = await trigger.RunOnceAsync(default);
        var quiet = await trigger.RunOnceAsync(default);

        Assert.Equal((1, 0), (pass.Fired, quiet.Fired));
        Assert.Equal([Shards.Count, Shards.Count], database.DueScans.Select(s => s.Shards!.Count));
        Assert.Equal([null, null], database.DueScans.Select(s => s.From));
        Assert.Equal(job.Id, await SingleRunsJobIdAsync());
    }

    [Fact]
    public async Task JobTrigger_AJobWrittenWithoutASignal_IsFoundByTheNextScanOfEveryShard()
    {
        var (leaser, ownership) = Leaser("node-a");
        await leaser.RunOnceAsync(default);
        var (trigger, _, _) = FencedTrigger(ownership, TimeSpan.FromSeconds(1));
        await InsertOnceAsync(TestJobs.T0.AddSeconds(10), shard: 5);
        await trigger.RunOnceAsync(default);

        var unsignalled = await InsertOnceAsync(TestJobs.T0.AddMilliseconds(500), shard: 11);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var before = await trigger.RunOnceAsync(default);
        _clock.Advance(TimeSpan.FromMilliseconds(500));
        var next = await trigger.RunOnceAsync(default);

        Assert.Equal((0, TestJobs.T0.AddSeconds(1)), (before.Fired, before.NextFireAt));
        Assert.Equal(1, next.Fired);
        var run = Assert.Single((await _storage.ListRunsAsync(new ListRunsParams(10), default)).Items);
        Assert.Equal((unsignalled.Id, TestJobs.T0.AddMilliseconds(500)), (run.JobId, run.ScheduledFor));
    }

    /// <summary>A fenced trigger on every shard (one node), after its first pass: a scan of every shard.</summary>
    private async Task<(JobTrigger Trigger, EngineSignals Signals, SwitchableStorage Database)> FencedTriggerAfterAScanAsync()
    {
        var (leaser, ownership) = Leaser("node-a");
        await leaser.RunOnceAsync(default);
        var fenced = FencedTrigger(ownership, TimeSpan.FromMinutes(1));
        await fenced.Trigger.RunOnceAsync(default);
        return fenced;
    }

    private async Task<string> SingleRunsJobIdAsync() =>
        Assert.Single((await _storage.ListRunsAsync(new ListRunsParams(10), default)).Items).JobId;

    private async Task<JobRecord> InsertOnceAsync(DateTimeOffset at, int shard) =>
        (await _storage.InsertJobAsync(new InsertJobParams(TestJobs.Once(at, TestJobs.Noop()) with { Shard = shard }), default)).Job;

    private (JobTrigger Trigger, EngineSignals Signals, SwitchableStorage Database) FencedTrigger(ShardOwnership ownership, TimeSpan maxIdleInterval)
    {
        var (storage, database) = SwitchableStorage.Wrap(_storage);
        var signals = new EngineSignals();
        var trigger = new JobTrigger(
            storage,
            ownership,
            signals,
            _clock,
            Options.Create(new JobTriggerOptions { MaxIdleInterval = maxIdleInterval }),
            Options.Create(new NodeOptions { NodeId = "node-a" }),
            NullLogger<JobTrigger>.Instance);
        return (trigger, signals, database);
    }

    private (ShardLeaser Leaser, ShardOwnership Ownership) Leaser(string nodeId)
    {
        var (leaser, ownership, _) = Leaser(nodeId, switchable: false);
        return (leaser, ownership);
    }

    private (ShardLeaser Leaser, ShardOwnership Ownership, SwitchableStorage? Database) Leaser(string nodeId, bool switchable)
    {
        var ownership = ShardOwnership.Leased(_clock);
        var (storage, database) = switchable ? SwitchableStorage.Wrap(_storage) : (_storage, null);
        var leaser = new ShardLeaser(
            storage,
            ownership,
            new EngineSignals(),
            _clock,
            Options.Create(new ShardLeaserOptions { LeaseTtl = Ttl }),
            Options.Create(new NodeOptions { NodeId = nodeId, Address = "http://" + nodeId }),
            NullLogger<ShardLeaser>.Instance);
        return (leaser, ownership, database);
    }

    private JobTrigger Trigger(ShardOwnership ownership, string nodeId) =>
        new(_storage, ownership, new EngineSignals(), _clock, Options.Create(new JobTriggerOptions()), Options.Create(new NodeOptions { NodeId = nodeId }), NullLogger<JobTrigger>.Instance);
}
