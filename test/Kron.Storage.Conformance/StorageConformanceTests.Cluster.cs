using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Nodes and shard leases (DESIGN §3, ShardLeaser): heartbeats, acquiring and renewing with the database's clock,
/// epochs as fencing tokens, takeover of expired leases with their running runs, release, and fenced writes.
/// </summary>
public abstract partial class StorageConformanceTests
{
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task GetClusterAsync_NewDatabase_HasEveryShardFreeAndNoNode()
    {
        var view = await Driver.GetClusterAsync(new GetClusterParams(T0), Ct);

        Assert.Equal(T0, view.Now);
        Assert.Empty(view.Nodes);
        Assert.Equal(Enumerable.Range(0, Shards.Count), view.Shards.Select(s => s.Shard));
        Assert.All(view.Shards, s => Assert.Equal((null, 0L), (s.Owner, s.Epoch)));
    }

    [Fact]
    public async Task HeartbeatNodeAsync_UpsertsTheNodeAndReturnsTheCluster()
    {
        var started = T0.AddMinutes(-1);
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-b", "http://b:1", "1.0", started, Ttl, T0), Ct);

        var view = await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-a", "http://a:1", "1.0", started, Ttl, T0.AddSeconds(1)), Ct);
        var again = await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-a", "http://a:2", "1.1", started, Ttl, T0.AddSeconds(2)), Ct);

        Assert.Equal(T0.AddSeconds(1), view.Now);
        Assert.Equal([new NodeRecord("node-a", "http://a:1", "1.0", started, T0.AddSeconds(1)), new NodeRecord("node-b", "http://b:1", "1.0", started, T0)], view.Nodes);
        Assert.Equal(new NodeRecord("node-a", "http://a:2", "1.1", started, T0.AddSeconds(2)), again.Nodes[0]);
        Assert.Equal(Shards.Count, again.Shards.Count);
    }

    [Fact]
    public async Task AcquireShardsAsync_FreeShards_TakesLowestFirstWithANewEpoch()
    {
        var a = await AcquireAsync("node-a", 10, T0);
        var b = await AcquireAsync("node-b", 10, T0);

        Assert.Equal(Enumerable.Range(0, 10).Select(s => new ShardLease(s, "node-a", 1, T0 + Ttl)), a.Acquired);
        Assert.Equal(Enumerable.Range(10, 10), b.Acquired.Select(l => l.Shard));
        Assert.Equal((0, 0, 0), (a.TakenOver, a.Requeued, a.Lost));
        var view = await Driver.GetClusterAsync(new GetClusterParams(T0), Ct);
        Assert.Equal(10, view.Shards.Count(s => s.Owner == "node-a"));
        Assert.Equal(10, view.Shards.Count(s => s.Owner == "node-b"));
        Assert.Equal(Shards.Count - 20, view.Shards.Count(s => s.Owner is null));
    }

    [Fact]
    public async Task AcquireShardsAsync_HeldShardsOfALiveNode_AreNotTaken()
    {
        await AcquireAsync("node-a", Shards.Count, T0);

        var b = await AcquireAsync("node-b", 10, T0 + Ttl - TimeSpan.FromTicks(10));

        Assert.Empty(b.Acquired);
    }

    [Fact]
    public async Task AcquireShardsAsync_ConcurrentAcquirers_NeverTakeTheSameShard()
    {
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => AcquireAsync($"node-{i}", 40, T0))));

        var all = results.SelectMany(r => r.Acquired.Select(l => l.Shard)).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(Shards.Count, all.Count);
        var view = await Driver.GetClusterAsync(new GetClusterParams(T0), Ct);
        Assert.All(view.Shards, s => Assert.Equal(1L, s.Epoch));
    }

    [Fact]
    public async Task HeartbeatNodeAsync_RenewsHeldLeasesButNotExpiredOnes()
    {
        await AcquireAsync("node-a", 2, T0);
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-a", "a", "1", T0, Ttl, T0.AddSeconds(3)), Ct);

        var renewed = await Driver.GetClusterAsync(new GetClusterParams(T0.AddSeconds(3)), Ct);
        var late = await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-a", "a", "1", T0, Ttl, T0.AddSeconds(8) + Ttl), Ct);

        Assert.Equal([T0.AddSeconds(3) + Ttl, T0.AddSeconds(3) + Ttl], renewed.Shards.Take(2).Select(s => s.ExpiresAt));
        Assert.Equal([T0.AddSeconds(3) + Ttl, T0.AddSeconds(3) + Ttl], late.Shards.Take(2).Select(s => s.ExpiresAt));
        Assert.Equal([1L, 1L], late.Shards.Take(2).Select(s => s.Epoch));
    }

    [Fact]
    public async Task AcquireShardsAsync_ExpiredLeaseOfAnotherNode_TakesItOverAndRescuesItsRunningRuns()
    {
        var (shard, atLeastOnce, atMostOnce) = await RunningRunsOnOneShardAsync("node-a");
        var otherOwner = await RunningRunOnShardAsync(shard, "node-c");
        var expired = T0 + Ttl;
        await AcquireAsync("node-c", Shards.Count, T0.AddSeconds(1)); // every other shard held: only shard 0 is acquirable

        var b = await AcquireAsync("node-b", 1, expired);

        Assert.Equal([new ShardLease(shard, "node-b", 2, expired + Ttl)], b.Acquired);
        Assert.Equal((1, 1, 1), (b.TakenOver, b.Requeued, b.Lost));
        var requeued = await GetRunAsync(atLeastOnce.Id);
        Assert.Equal((RunState.Queued, 2, expired, (string?)null), (requeued.State, requeued.Attempt, requeued.ReadyAt, requeued.LeaseToken));
        Assert.Contains("node-a", requeued.Error, StringComparison.Ordinal);
        var lost = await GetRunAsync(atMostOnce.Id);
        Assert.Equal((RunState.Lost, 1, expired), (lost.State, lost.Attempt, lost.FinishedAt));
        Assert.Equal(
            [new RescuedRun(atLeastOnce.Id, atLeastOnce.JobId, RunState.Queued, 2, requeued.Error), new RescuedRun(atMostOnce.Id, atMostOnce.JobId, RunState.Lost, 1, lost.Error)],
            b.Rescued.OrderBy(r => r.State == RunState.Lost));
        Assert.False(await CompleteAsync(new RunCompletion(atLeastOnce.Id, atLeastOnce.LeaseToken!, RunState.Succeeded), expired));
        Assert.False(await CompleteAsync(new RunCompletion(atMostOnce.Id, atMostOnce.LeaseToken!, RunState.Succeeded), expired));
        Assert.Equal(RunState.Running, (await GetRunAsync(otherOwner.Id)).State);
    }

    [Fact]
    public async Task AcquireShardsAsync_OwnExpiredLease_IsANewEpochButNoTakeover()
    {
        var (shard, atLeastOnce, _) = await RunningRunsOnOneShardAsync("node-a");

        var again = await AcquireAsync("node-a", 1, T0 + Ttl);

        Assert.Equal([new ShardLease(shard, "node-a", 2, T0 + Ttl + Ttl)], again.Acquired);
        Assert.Equal(0, again.TakenOver);
        Assert.Equal(RunState.Running, (await GetRunAsync(atLeastOnce.Id)).State);
    }

    [Fact]
    public async Task AcquireShardsAsync_OwnExpiredFirst_ThenReleased_ThenOthersExpired()
    {
        await AcquireAsync("node-a", 100, T0);
        await AcquireAsync("node-b", 100, T0);
        await AcquireAsync("node-c", 56, T0);
        await Driver.ReleaseShardsAsync(new ReleaseShardsParams("node-c", [.. Enumerable.Range(200, 10)]), Ct);
        var expired = T0 + Ttl;

        var first = await AcquireAsync("node-b", 105, expired);
        var second = await AcquireAsync("node-b", 10, expired);

        Assert.Equal([.. Enumerable.Range(100, 100), .. Enumerable.Range(200, 5)], first.Acquired.Select(l => l.Shard).Order());
        Assert.Equal(0, first.TakenOver);
        Assert.Equal([.. Enumerable.Range(0, 5), .. Enumerable.Range(205, 5)], second.Acquired.Select(l => l.Shard).Order());
        Assert.Equal(5, second.TakenOver);
    }

    [Fact]
    public async Task AcquireShardsAsync_WithoutTakeOver_LeavesOtherNodesExpiredShards()
    {
        await AcquireAsync("node-a", 10, T0);
        await AcquireAsync("node-b", 10, T0);
        var running = await RunningRunOnShardAsync(0, "node-a");
        var expired = T0 + Ttl;

        var back = await Driver.AcquireShardsAsync(new AcquireShardsParams("node-b", Shards.Count, Ttl, expired, TakeOver: false), Ct);

        Assert.Equal([.. Enumerable.Range(10, Shards.Count - 10)], back.Acquired.Select(l => l.Shard).Order());
        Assert.Equal((0, 0, 0), (back.TakenOver, back.Requeued, back.Lost));
        Assert.Equal(RunState.Running, (await GetRunAsync(running.Id)).State);
        var view = await Driver.GetClusterAsync(new GetClusterParams(expired), Ct);
        Assert.All(view.Shards.Take(10), s => Assert.Equal("node-a", s.Owner));
    }

    [Fact]
    public async Task ReleaseShardsAsync_GivesBackOnlyOwnShards_AndTheNextOwnerDoesNotRescueItsRuns()
    {
        var (shard, running, _) = await RunningRunsOnOneShardAsync("node-a");
        await AcquireAsync("node-c", 1, T0);

        var released = await Driver.ReleaseShardsAsync(new ReleaseShardsParams("node-a", [shard, shard + 1]), Ct);
        var b = await AcquireAsync("node-b", 1, T0.AddSeconds(1));

        Assert.Equal(1, released.Released);
        Assert.Equal([new ShardLease(shard, "node-b", 2, T0.AddSeconds(1) + Ttl)], b.Acquired);
        Assert.Equal(0, b.TakenOver);
        var view = await Driver.GetClusterAsync(new GetClusterParams(T0.AddSeconds(1)), Ct);
        Assert.Equal("node-c", view.Shards[shard + 1].Owner);
        Assert.True(await CompleteAsync(new RunCompletion(running.Id, running.LeaseToken!, RunState.Succeeded), T0.AddSeconds(2)));
    }

    [Fact]
    public async Task LeaveClusterAsync_ReleasesEveryShardAndRemovesTheNode()
    {
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-a", "a", "1", T0, Ttl, T0), Ct);
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("node-b", "b", "1", T0, Ttl, T0), Ct);
        await AcquireAsync("node-a", 100, T0);
        await AcquireAsync("node-b", 100, T0);

        var left = await Driver.LeaveClusterAsync(new LeaveClusterParams("node-a", T0.AddSeconds(1)), Ct);

        Assert.Equal(100, left.Released);
        var view = await Driver.GetClusterAsync(new GetClusterParams(T0.AddSeconds(1)), Ct);
        Assert.Equal(["node-b"], view.Nodes.Select(n => n.Id));
        Assert.Equal(100, view.Shards.Count(s => s.Owner == "node-b"));
        Assert.Equal(Shards.Count - 100, view.Shards.Count(s => s.Owner is null));
        Assert.Equal(Enumerable.Range(0, 100), (await AcquireAsync("node-c", 100, T0.AddSeconds(1))).Acquired.Select(l => l.Shard).Order());
    }

    [Fact]
    public async Task ForgetNodesAsync_RemovesOnlyNodesSilentSinceTheBound()
    {
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("old", "a", "1", T0, Ttl, T0), Ct);
        await Driver.HeartbeatNodeAsync(new HeartbeatNodeParams("new", "b", "1", T0, Ttl, T0.AddMinutes(5)), Ct);

        var forgotten = await Driver.ForgetNodesAsync(new ForgetNodesParams(T0.AddMinutes(1)), Ct);

        Assert.Equal(1, forgotten.Forgotten);
        Assert.Equal(["new"], (await Driver.GetClusterAsync(new GetClusterParams(T0.AddMinutes(5)), Ct)).Nodes.Select(n => n.Id));
    }

    [Fact]
    public async Task FireJobsAsync_Fenced_FiresOnlyJobsOfShardsHeldWithTheSameEpoch()
    {
        await AcquireAsync("node-a", 2, T0);
        await AcquireAsync("node-b", 1, T0);
        var held = await InsertJobAsync(NewJob() with { Shard = 0 });
        var staleEpoch = await InsertJobAsync(NewJob() with { Shard = 1 });
        var othersShard = await InsertJobAsync(NewJob() with { Shard = 2 });
        var freeShard = await InsertJobAsync(NewJob() with { Shard = 3 });
        var fence = new ShardFence("node-a", [new ShardEpoch(0, 1), new ShardEpoch(1, 7), new ShardEpoch(2, 1), new ShardEpoch(3, 0)]);
        JobFire Fire(JobRecord job) => new(job.Id, job.NextFireAt!.Value, job.NextFireAt.Value.AddMinutes(1), [NewRun(job.Id, job.NextFireAt.Value)]);

        var result = await Driver.FireJobsAsync(new FireJobsParams([Fire(held), Fire(staleEpoch), Fire(othersShard), Fire(freeShard)], T0, fence), Ct);

        Assert.Equal([true, false, false, false], result.Fired);
        Assert.Equal(T0.AddMinutes(2), (await GetJobAsync(held.Id)).NextFireAt);
        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(othersShard.Id)).NextFireAt);
        Assert.Single((await Driver.ListRunsAsync(new ListRunsParams(10, JobId: held.Id), Ct)).Items);
        Assert.Empty((await Driver.ListRunsAsync(new ListRunsParams(10, JobId: staleEpoch.Id), Ct)).Items);
    }

    [Fact]
    public async Task FireJobsAsync_FencedAfterTheLeaseExpired_FiresNothing()
    {
        await AcquireAsync("node-a", 1, T0);
        var job = await InsertJobAsync(NewJob() with { Shard = 0 });
        var fire = new JobFire(job.Id, job.NextFireAt!.Value, job.NextFireAt.Value.AddMinutes(1), [NewRun(job.Id, job.NextFireAt.Value)]);

        var result = await Driver.FireJobsAsync(new FireJobsParams([fire], T0 + Ttl, new ShardFence("node-a", [new ShardEpoch(0, 1)])), Ct);

        Assert.Equal([false], result.Fired);
        Assert.Equal(T0.AddMinutes(1), (await GetJobAsync(job.Id)).NextFireAt);
    }

    [Fact]
    public async Task ClaimRunsAsync_Fenced_ClaimsOnlyRunsOfHeldShards()
    {
        await AcquireAsync("node-a", 1, T0);
        var mine = await InsertJobAsync(NewJob() with { Shard = 0 });
        var other = await InsertJobAsync(NewJob() with { Shard = 1 });
        var myRun = NewRun(mine.Id, T0) with { Shard = 0 };
        var otherRun = NewRun(other.Id, T0) with { Shard = 1 };
        await InsertRunsAsync(myRun, otherRun);
        var fence = new ShardFence("node-a", [new ShardEpoch(0, 1), new ShardEpoch(1, 1)]);

        var claimed = await Driver.ClaimRunsAsync(new ClaimRunsParams("node-a", 10, Lease, T0, fence), Ct);
        var stale = await Driver.ClaimRunsAsync(new ClaimRunsParams("node-b", 10, Lease, T0, new ShardFence("node-b", [new ShardEpoch(1, 0)])), Ct);

        Assert.Equal([myRun.Id], claimed.Runs.Select(r => r.Id));
        Assert.Equal(0, claimed.Runs[0].Shard);
        Assert.Empty(stale.Runs);
        Assert.Equal(RunState.Queued, (await GetRunAsync(otherRun.Id)).State);
    }

    [Fact]
    public async Task GetDueJobsAsync_WithShards_ReturnsOnlyJobsOfThoseShards()
    {
        var zero = await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0 });
        await InsertJobAsync(NewJob() with { Shard = 1, NextFireAt = T0.AddSeconds(-1) });
        await InsertJobAsync(NewJob() with { Shard = 1, NextFireAt = T0.AddMinutes(1) });
        await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0.AddMinutes(2) });

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10, [0, 5]), Ct);
        var all = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10), Ct);
        var none = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10, []), Ct);

        Assert.Equal([zero.Id], due.Jobs.Select(j => j.Id));
        Assert.Equal(T0.AddMinutes(2), due.NextFireAfter);
        Assert.Equal(2, all.Jobs.Count);
        Assert.Equal(T0.AddMinutes(1), all.NextFireAfter);
        Assert.Empty(none.Jobs);
        Assert.Null(none.NextFireAfter);
    }

    [Fact]
    public async Task GetDueJobsAsync_WithShards_ReportsEachShardsNextSlotAfterTheBound()
    {
        await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0 });
        await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0.AddMinutes(2) });
        await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0.AddMinutes(3) });
        await InsertJobAsync(NewJob() with { Shard = 1, NextFireAt = T0.AddMinutes(1) });
        await InsertJobAsync(NewJob() with { Shard = 2, NextFireAt = T0.AddMinutes(1), Paused = true });
        await InsertJobAsync(NewJob() with { Shard = 3, NextFireAt = T0.AddMinutes(1) });

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10, [0, 1, 2]), Ct);
        var unsharded = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10), Ct);

        Assert.Single(due.Jobs);
        Assert.Equal(new Dictionary<int, DateTimeOffset> { [0] = T0.AddMinutes(2), [1] = T0.AddMinutes(1) }, due.NextFireAfterByShard);
        Assert.Null(unsharded.NextFireAfterByShard);
    }

    [Fact]
    public async Task GetDueJobsAsync_WithShardsFromAnInstant_ReturnsEveryDueJobFromIt()
    {
        await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0.AddSeconds(-10) });
        var zero = await InsertJobAsync(NewJob() with { Shard = 0, NextFireAt = T0.AddSeconds(-5) });
        var one = await InsertJobAsync(NewJob() with { Shard = 1, NextFireAt = T0.AddSeconds(-10) });
        var two = await InsertJobAsync(NewJob() with { Shard = 2, NextFireAt = T0.AddYears(-30) });

        // DateTimeOffset.MinValue: from the start of the shard's range.
        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10, [0, 1, 2], [T0.AddSeconds(-5), T0.AddSeconds(-20), DateTimeOffset.MinValue]), Ct);
        var mismatched = await Assert.ThrowsAsync<ArgumentException>(() => Driver.GetDueJobsAsync(new GetDueJobsParams(T0, 10, [0, 1], [T0]), Ct));

        // From says none of a shard's jobs is due before it; a driver may still read from earlier.
        Assert.Superset(new HashSet<string> { zero.Id, one.Id, two.Id }, due.Jobs.Select(j => j.Id).ToHashSet());
        Assert.Contains("one per shard", mismatched.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3, 4)] // The limit cuts the scan: every shard may have more due.
    [InlineData(11, 300)] // Many shards, few jobs each: a driver may read a few per shard and cut the busy one.
    public async Task GetDueJobsAsync_WithShardsCutByALimit_NoDueJobLeftOutIsBeforeItsShardsInstant(int limit, int shardCount)
    {
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 12; i++)
        {
            // Shard 0 holds most: a per-shard cut falls there.
            jobs.Add(await InsertJobAsync(NewJob() with { Shard = i < 10 ? 0 : i, NextFireAt = T0.AddSeconds(-20 + i) }));
        }

        var shards = Enumerable.Range(0, shardCount).ToList();

        var due = await Driver.GetDueJobsAsync(new GetDueJobsParams(T0, limit, shards), Ct);

        var bounds = Assert.IsAssignableFrom<IReadOnlyDictionary<int, DateTimeOffset>>(due.NextFireAfterByShard);
        var returned = due.Jobs.Select(j => j.Id).ToHashSet();
        var leftOut = jobs.Where(j => shards.Contains(j.Shard) && !returned.Contains(j.Id)).ToList();
        Assert.NotEmpty(leftOut);
        Assert.All(leftOut, j => Assert.True(
            bounds.TryGetValue(j.Shard, out var bound) && bound <= j.NextFireAt,
            $"job {j.Id} of shard {j.Shard}, due {j.NextFireAt:O}, was left out, but its shard's instant is {(bounds.TryGetValue(j.Shard, out var b) ? b.ToString("O") : "absent")}"));
    }

    [Fact]
    public async Task InsertRunAsync_KeepsTheRunsShard()
    {
        var job = await InsertJobAsync(NewJob() with { Shard = 42 });
        var run = NewRun(job.Id, T0) with { Shard = 42 };

        await InsertRunsAsync(run);

        Assert.Equal(42, (await GetRunAsync(run.Id)).Shard);
    }

    private Task<AcquireShardsResult> AcquireAsync(string node, int limit, DateTimeOffset now) =>
        Driver.AcquireShardsAsync(new AcquireShardsParams(node, limit, Ttl, now), Ct);

    /// <summary>Shard 0 held by <paramref name="owner"/> (epoch 1, expiring at T0 + Ttl) with an at-least-once and an at-most-once run running there.</summary>
    private async Task<(int Shard, RunRecord AtLeastOnce, RunRecord AtMostOnce)> RunningRunsOnOneShardAsync(string owner)
    {
        Assert.Single((await AcquireAsync(owner, 1, T0)).Acquired);
        var atLeastOnce = await RunningRunOnShardAsync(0, owner);
        var atMostOnce = await RunningRunOnShardAsync(0, owner, DeliveryGuarantee.AtMostOnce);
        return (0, atLeastOnce, atMostOnce);
    }

    private async Task<RunRecord> RunningRunOnShardAsync(int shard, string owner, DeliveryGuarantee delivery = DeliveryGuarantee.AtLeastOnce)
    {
        var job = await InsertJobAsync(NewJob() with { Shard = shard });
        var run = NewRun(job.Id, T0) with { Shard = shard, Delivery = delivery };
        await InsertRunsAsync(run);
        var claimed = await Driver.ClaimRunsAsync(new ClaimRunsParams(owner, 1, TimeSpan.FromMinutes(10), T0), Ct);
        return Assert.Single(claimed.Runs);
    }
}
