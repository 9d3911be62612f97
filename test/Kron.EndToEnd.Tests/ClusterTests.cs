using Kron.Protocol;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// Real <c>kron serve</c> nodes on a real PostgreSQL (issue 5): a node SIGKILLed during a stream of jobs, a node
/// joining, a node frozen with SIGSTOP past its lease (a zombie), PostgreSQL restarted under load, and a node whose
/// clock is an hour off. In each: every slot runs, no slot becomes two runs, no at-most-once run executes twice.
/// </summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterTests(ClusterFixture fixture)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task NodeKilledDuringAStreamOfJobs_ShardsTakenOverWithinTheTtl_EverySlotRuns_AtMostOnceNeverTwice()
    {
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 3);
        using var api = cluster.Api("node-1");
        var now = TimeProvider.System.GetUtcNow();
        var interval = await CreateIntervalJobsAsync(cluster, 6, "interval.log");
        var stream = await CreateStreamAsync(cluster, now.AddSeconds(2), 50, TimeSpan.FromMilliseconds(200), "stream.log");
        // Long runs in flight when the node dies: its at-least-once ones run again, its at-most-once ones are lost.
        var inFlightAtLeastOnce = await CreateOnceJobsAsync(cluster, now.AddSeconds(3), 24, cluster.ShellRecording("alo.log", 6), "at_least_once");
        var inFlightAtMostOnce = await CreateOnceJobsAsync(cluster, now.AddSeconds(3), 24, cluster.ShellRecording("amo.log", 6), "at_most_once");
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Starts("amo.log").Count == 24 && cluster.Starts("alo.log").Count == 24), TimeSpan.FromSeconds(30), "every long run to be in flight");

        await cluster.Nodes["node-2"].KillAsync();

        // Takeover: the survivors hold every shard within the TTL (plus a heartbeat to notice and one of slack).
        var view = await cluster.WaitForBalanceAsync(2, KronCluster.LeaseTtl + (2 * KronCluster.Heartbeat) + TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(view.Shards, s => s.Owner == "node-2");
        Assert.False(view.Nodes.Single(n => n.Id == "node-2").Alive);

        await WaitUntilFinalAsync(api, [.. stream, .. inFlightAtLeastOnce, .. inFlightAtMostOnce]);
        await PauseAllAsync(api, interval);
        var runs = (await api.AllRunsAsync()).GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.ToList());

        // A stream run in flight on node-2 when it died is re-executed (at least once); no other run starts twice.
        AssertEachRanExactlyOnce(cluster, runs, stream, "stream.log", killed: "node-2");
        var alo = inFlightAtLeastOnce.Select(j => Assert.Single(runs[j.Id])).ToList();
        Assert.All(alo, r => Assert.Equal("succeeded", r.State));
        Assert.Contains(alo, r => r.Attempt == 2);
        Assert.All(alo, r => Assert.InRange(cluster.Starts("alo.log")[r.Id], 1, 2));
        var amo = inFlightAtMostOnce.Select(j => Assert.Single(runs[j.Id])).ToList();
        Assert.All(amo, r => Assert.Equal(1, cluster.Starts("amo.log")[r.Id]));
        Assert.All(amo, r => Assert.True(r.State is "succeeded" or "lost", $"run {r.Id} is {r.State}"));
        Assert.Contains(amo, r => r.State == "lost");
        Assert.All(amo.Where(r => r.State == "lost"), r => Assert.Contains("will not be relaunched", r.Outcome?.Error ?? string.Empty, StringComparison.Ordinal));
        AssertContiguousSlots(interval, runs, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task FourthNodeJoins_ShardsRebalance_NoSlotRunsTwice()
    {
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 3);
        using var api = cluster.Api("node-1");
        var now = TimeProvider.System.GetUtcNow();
        var interval = await CreateIntervalJobsAsync(cluster, 10, "interval.log");
        var stream = await CreateStreamAsync(cluster, now.AddSeconds(2), 50, TimeSpan.FromMilliseconds(200), "stream.log");
        await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System);

        await cluster.AddNodeAsync("node-4");

        var view = await cluster.WaitForBalanceAsync(4);
        Assert.All(view.Shards.GroupBy(s => s.Owner), g => Assert.Equal(64, g.Count()));
        Assert.Contains(view.Shards, s => s.Owner == "node-4" && s.Epoch >= 2);
        await WaitUntilFinalAsync(api, stream);
        await PauseAllAsync(api, interval);
        var runs = (await api.AllRunsAsync()).GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.ToList());

        AssertEachRanExactlyOnce(cluster, runs, stream, "stream.log");
        AssertContiguousSlots(interval, runs, TimeSpan.FromSeconds(1));
        var intervalStarts = cluster.Starts("interval.log");
        Assert.All(interval.SelectMany(j => runs[j.Id]).Where(r => r.State == "succeeded"), r => Assert.Equal(1, intervalStarts[r.Id]));
    }

    [Fact]
    public async Task NodeFrozenPastItsLease_ThenResumed_FiresDispatchesAndCompletesNothingForShardsItLost()
    {
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 3);
        using var api = cluster.Api("node-1");
        var now = TimeProvider.System.GetUtcNow();
        var interval = await CreateIntervalJobsAsync(cluster, 6, "interval.log");
        var inFlightAtMostOnce = await CreateOnceJobsAsync(cluster, now.AddSeconds(3), 24, cluster.ShellRecording("amo.log", 6), "at_most_once");
        var inFlightAtLeastOnce = await CreateOnceJobsAsync(cluster, now.AddSeconds(3), 24, cluster.ShellRecording("alo.log", 6), "at_least_once");
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Starts("amo.log").Count == 24 && cluster.Starts("alo.log").Count == 24), TimeSpan.FromSeconds(30), "every long run to be in flight");
        var zombie = cluster.Nodes["node-2"];

        zombie.Freeze();
        await cluster.WaitForBalanceAsync(2, KronCluster.LeaseTtl + (2 * KronCluster.Heartbeat) + TimeSpan.FromSeconds(1));
        // Its commands finish meanwhile (they are not frozen) and its runs were rescued by the new owners.
        await WaitUntilFinalAsync(api, [.. inFlightAtMostOnce, .. inFlightAtLeastOnce]);
        var before = (await api.AllRunsAsync()).ToDictionary(r => r.Id);
        zombie.Thaw();

        // The zombie wakes up believing it owns its shards, then rejoins with new epochs.
        await cluster.WaitForBalanceAsync(3);
        // It learns at its first heartbeat or completion that its runs are no longer its own.
        await Eventually.TrueAsync(
            () => Task.FromResult(zombie.Log.Contains("was rejected: its lease token is no longer current", StringComparison.Ordinal) || zombie.Log.Contains("lost its lease", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(15),
            "the zombie to find that its runs were taken over");
        await PauseAllAsync(api, interval);
        var after = (await api.AllRunsAsync()).ToDictionary(r => r.Id);

        // Nothing the zombie wrote after waking changed a run that had been settled without it.
        foreach (var job in inFlightAtMostOnce.Concat(inFlightAtLeastOnce))
        {
            var run = Assert.Single(after.Values, r => r.JobId == job.Id);
            Assert.Equal((before[run.Id].State, before[run.Id].Attempt, before[run.Id].FinishedAt), (run.State, run.Attempt, run.FinishedAt));
        }

        Assert.All(inFlightAtMostOnce, j => Assert.Equal(1, cluster.Starts("amo.log")[after.Values.Single(r => r.JobId == j.Id).Id]));
        Assert.Contains(after.Values, r => r.State == "lost");
        var runs = after.Values.GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.ToList());
        AssertContiguousSlots(interval, runs, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task PostgresRestartedUnderLoad_NodesReconnectAndContinue_NothingLost()
    {
        await using var server = await PostgresServer.StartNewAsync();
        await using var cluster = await KronCluster.StartAsync(server, 3);
        using var api = cluster.Api("node-1");
        var now = TimeProvider.System.GetUtcNow();
        var interval = await CreateIntervalJobsAsync(cluster, 6, "interval.log");
        var stream = await CreateStreamAsync(cluster, now.AddSeconds(1), 40, TimeSpan.FromMilliseconds(250), "stream.log");
        await Task.Delay(TimeSpan.FromSeconds(3), TimeProvider.System);

        await server.RestartAsync();

        // The API answers again, and jobs registered after the restart run too.
        var restartedAt = TimeProvider.System.GetUtcNow();
        var later = new List<JobResponse>();
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    later.AddRange(await CreateStreamAsync(cluster, TimeProvider.System.GetUtcNow().AddSeconds(1), 10, TimeSpan.FromMilliseconds(200), "later.log"));
                    return true;
                }
                catch (Exception e) when (e is HttpRequestException or Xunit.Sdk.XunitException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "the API to register jobs after the restart");
        await WaitUntilFinalAsync(api, [.. stream, .. later]);
        await cluster.WaitForBalanceAsync(3);
        await Eventually.TrueAsync(
            async () => (await api.AllRunsAsync()).Count(r => interval.Any(j => j.Id == r.JobId) && r.ScheduledFor > restartedAt.AddSeconds(2) && r.State == "succeeded") >= 6,
            TimeSpan.FromSeconds(30),
            "interval jobs to keep running after the restart");
        await PauseAllAsync(api, interval);
        var runs = (await api.AllRunsAsync()).GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.ToList());

        AssertEachRanExactlyOnce(cluster, runs, stream, "stream.log");
        AssertEachRanExactlyOnce(cluster, runs, later, "later.log");
        AssertContiguousSlots(interval, runs, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task NodeClockAnHourBehind_ChangesNothing()
    {
        var slow = new Dictionary<string, string> { ["Kron__Clock__Offset"] = "-01:00:00" };
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 3, new Dictionary<string, IReadOnlyDictionary<string, string>> { ["node-3"] = slow });
        using var viaSlowNode = cluster.Api("node-3");
        var now = TimeProvider.System.GetUtcNow();

        // Registered through the node whose clock is wrong; a third of the shards are its own.
        var jobs = new List<JobResponse>();
        for (var i = 0; i < 30; i++)
        {
            jobs.Add(await viaSlowNode.CreateJobAsync(new { name = $"on-time-{i}", schedule_time = now.AddSeconds(2).AddMilliseconds(200 * i), target = new { type = "shell", command = cluster.ShellRecording("on-time.log") } }));
        }

        await WaitUntilFinalAsync(viaSlowNode, jobs);
        var runs = (await viaSlowNode.AllRunsAsync()).GroupBy(r => r.JobId).ToDictionary(g => g.Key, g => g.ToList());
        var view = await cluster.ViewAsync("node-3");

        AssertEachRanExactlyOnce(cluster, runs, jobs, "on-time.log");
        Assert.All(jobs, j => Assert.InRange(j.CreatedAt, now.AddSeconds(-5), now.AddSeconds(5)));
        Assert.All(runs.Values.SelectMany(r => r), r => Assert.InRange(r.StartedAt!.Value - r.ScheduledFor, TimeSpan.Zero, TimeSpan.FromSeconds(5)));
        Assert.InRange(view.Shards.Count(s => s.Owner == "node-3"), 84, 86);
        Assert.All(view.Nodes, n => Assert.InRange(n.HeartbeatAt, view.Now.AddSeconds(-5), view.Now));
    }

    [Fact]
    public async Task JobRegisteredOnAnyNodeForOneSecondLater_FiresOnTimeThroughTheOwnersWakeUp()
    {
        // The owners' triggers would sleep up to 30 s without a hint: only the NOTIFY wake-up can make this on time.
        var sleepy = new Dictionary<string, string> { ["Kron__Trigger__MaxIdleInterval"] = "00:00:30" };
        var perNode = Enumerable.Range(1, 3).ToDictionary(i => $"node-{i}", _ => (IReadOnlyDictionary<string, string>)sleepy);
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 3, perNode);
        using var api = cluster.Api("node-1");
        var view = await cluster.ViewAsync("node-1");
        var owner = view.Shards.ToDictionary(s => s.Shard, s => s.Owner);

        var jobs = new List<JobResponse>();
        for (var i = 0; i < 12; i++)
        {
            var at = TimeProvider.System.GetUtcNow().AddSeconds(1);
            jobs.Add(await api.CreateJobAsync(new { name = $"soon-{i}", schedule_time = at, target = new { type = "noop" } }));
            await Task.Delay(TimeSpan.FromMilliseconds(300), TimeProvider.System);
        }

        await WaitUntilFinalAsync(api, jobs);
        var runs = (await api.AllRunsAsync()).ToDictionary(r => r.JobId);
        Assert.Contains(runs.Values, r => r.Node != "node-1");
        // Within 1 s normally; 3 s leaves room for a loaded CI machine and still rules out the 30 s idle scan.
        Assert.All(jobs, j => Assert.InRange(runs[j.Id].StartedAt!.Value - runs[j.Id].ScheduledFor, TimeSpan.Zero, TimeSpan.FromSeconds(3)));
        Assert.All(runs.Values, r => Assert.Equal(owner[ShardOf(r.JobId)], r.Node));

        // Any node's live series is the cluster's: every node asked, the twelve starts counted once wherever they ran.
        var stats = await api.GetAsync<StatsResponse>("/v1/stats");
        Assert.Equal(["node-1", "node-2", "node-3"], stats.Nodes.Order(StringComparer.Ordinal));
        Assert.Empty(stats.Unreachable);
        Assert.Equal(12, stats.Points.Sum(p => p.Started));
        var own = await api.GetAsync<StatsResponse>("/v1/stats?scope=node");
        Assert.Equal(["node-1"], own.Nodes);
        Assert.Equal(runs.Values.Count(r => r.Node == "node-1"), own.Points.Sum(p => p.Started));
    }

    private static async Task<List<JobResponse>> CreateIntervalJobsAsync(KronCluster cluster, int count, string file)
    {
        var jobs = new List<JobResponse>();
        for (var i = 0; i < count; i++)
        {
            using var api = cluster.Api(cluster.Nodes.Keys.Order(StringComparer.Ordinal).ElementAt(i % cluster.Nodes.Count));
            jobs.Add(await api.CreateJobAsync(new { name = $"every-second-{i}", every = "PT1S", target = new { type = "shell", command = cluster.ShellRecording(file) } }));
        }

        return jobs;
    }

    /// <summary>One-time jobs, one every <paramref name="spacing"/> from <paramref name="first"/>, registered round-robin on the live nodes.</summary>
    private static async Task<List<JobResponse>> CreateStreamAsync(KronCluster cluster, DateTimeOffset first, int count, TimeSpan spacing, string file)
    {
        var live = cluster.Nodes.Where(n => !n.Value.HasExited).Select(n => n.Key).Order(StringComparer.Ordinal).ToList();
        var jobs = new List<JobResponse>();
        for (var i = 0; i < count; i++)
        {
            using var api = cluster.Api(live[i % live.Count]);
            jobs.Add(await api.CreateJobAsync(new { name = $"stream-{i}", schedule_time = first + (spacing * i), target = new { type = "shell", command = cluster.ShellRecording(file) } }));
        }

        return jobs;
    }

    private static async Task<List<JobResponse>> CreateOnceJobsAsync(KronCluster cluster, DateTimeOffset at, int count, string command, string delivery)
    {
        using var api = cluster.Api("node-1");
        var jobs = new List<JobResponse>();
        for (var i = 0; i < count; i++)
        {
            jobs.Add(await api.CreateJobAsync(new { name = $"{delivery}-{i}", schedule_time = at, delivery, target = new { type = "shell", command } }));
        }

        return jobs;
    }

    /// <summary>Waits until every job has a run in a final state.</summary>
    private static Task WaitUntilFinalAsync(KronApi api, IReadOnlyCollection<JobResponse> jobs) =>
        Eventually.TrueAsync(
            async () =>
            {
                var final = (await api.AllRunsAsync()).Where(r => r.State is "succeeded" or "lost" or "failed" or "dead").Select(r => r.JobId).ToHashSet();
                return jobs.All(j => final.Contains(j.Id));
            },
            Settle,
            $"the runs of {jobs.Count} jobs to finish");

    private static async Task PauseAllAsync(KronApi api, IEnumerable<JobResponse> jobs)
    {
        foreach (var job in jobs)
        {
            await api.PauseAsync(job.Id);
        }
    }

    private static int ShardOf(string jobId) => Kron.Storage.Ids.ShardOf(jobId, Kron.Storage.Shards.Count);

    /// <summary>
    /// Each job has one run, it succeeded, and its command ran exactly once; or, when <paramref name="killed"/> is
    /// given, twice if its first attempt was in flight on the killed node and a survivor ran attempt 2 (at least once).
    /// </summary>
    private static void AssertEachRanExactlyOnce(KronCluster cluster, Dictionary<string, List<RunResponse>> runs, IEnumerable<JobResponse> jobs, string file, string? killed = null)
    {
        var starts = cluster.Starts(file);
        foreach (var job in jobs)
        {
            var run = Assert.Single(runs[job.Id]);
            Assert.Equal("succeeded", run.State);
            var lines = cluster.StartLines(file, run.Id);
            var explained = $"run {run.Id} (attempt {run.Attempt}, node {run.Node}) started {lines.Count} times: {string.Join(" | ", lines)}";
            var reExecutedAfterTheKill = killed is not null
                && lines.Count == 2
                && lines[0].EndsWith($" 1 {killed}", StringComparison.Ordinal)
                && lines[1].EndsWith(" 2 " + run.Node, StringComparison.Ordinal)
                && run.Node != killed
                && run.Attempt == 2;
            Assert.True(lines.Count == 1 || reExecutedAfterTheKill, explained);
            Assert.Equal(lines.Count, starts.GetValueOrDefault(run.Id));
        }
    }

    /// <summary>Each interval job's runs cover consecutive slots with no gap, each succeeded (none skipped).</summary>
    private static void AssertContiguousSlots(IEnumerable<JobResponse> jobs, Dictionary<string, List<RunResponse>> runs, TimeSpan every)
    {
        foreach (var job in jobs)
        {
            var slots = runs[job.Id].Where(r => r.State != "queued" && r.State != "running").OrderBy(r => r.ScheduledFor).ToList();
            Assert.True(slots.Count >= 3, $"job {job.Id} ran only {slots.Count} slots");
            Assert.All(slots, r => Assert.Equal("succeeded", r.State));
            for (var i = 1; i < slots.Count; i++)
            {
                Assert.Equal(every, slots[i].ScheduledFor - slots[i - 1].ScheduledFor);
            }
        }
    }
}

/// <summary>One PostgreSQL server for the cluster tests, which run one at a time (each starts several nodes).</summary>
[CollectionDefinition(Name)]
public sealed class ClusterTestGroup : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>The shared throwaway PostgreSQL server.</summary>
public sealed class ClusterFixture
{
    public Task<PostgresServer> Server { get; } = PostgresServer.SharedAsync();
}
