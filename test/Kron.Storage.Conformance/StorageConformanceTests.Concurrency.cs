using System.Collections.Concurrent;
using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>
/// Races on one driver: however calls interleave, a slot becomes one run, a run has one holder, and a lease token
/// completes once. The tasks start together behind a gate; nothing sleeps.
/// </summary>
public abstract partial class StorageConformanceTests
{
    private const int Racers = 6;

    [Fact]
    public async Task FireJobsAsync_ConcurrentFirers_FireEachSlotExactlyOnce()
    {
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await InsertJobAsync(NewJob() with { NextFireAt = Slot(0) }));
        }

        var wins = new ConcurrentBag<(string JobId, int Slot, string RunId)>();
        await RaceAsync(async _ =>
        {
            for (var slot = 0; slot < 3; slot++)
            {
                var fires = jobs.Select(j => new JobFire(j.Id, Slot(slot), Slot(slot + 1), [NewRun(j.Id, Slot(slot))])).ToList();
                var fired = (await Driver.FireJobsAsync(new FireJobsParams(fires), Ct)).Fired;
                for (var i = 0; i < fires.Count; i++)
                {
                    if (fired[i])
                    {
                        wins.Add((fires[i].JobId, slot, fires[i].Runs[0].Id));
                    }
                }
            }
        });

        Assert.Equal(jobs.Count * 3, wins.Count);
        Assert.Equal(wins.Count, wins.Select(w => (w.JobId, w.Slot)).Distinct().Count());
        var runs = await Driver.ListRunsAsync(new ListRunsParams(100), Ct);
        Assert.Equal(wins.Select(w => w.RunId).Order(StringComparer.Ordinal), runs.Items.Select(r => r.Id).Order(StringComparer.Ordinal));
        foreach (var job in jobs)
        {
            Assert.Equal(Slot(3), (await GetJobAsync(job.Id)).NextFireAt);
        }

        static DateTimeOffset Slot(int n) => T0.AddMinutes(n);
    }

    [Fact]
    public async Task InsertRunAsync_ConcurrentInsertsForOneSlot_InsertExactlyOne()
    {
        var job = await InsertJobAsync(NewJob());
        var inserted = new ConcurrentBag<string>();

        await RaceAsync(async _ =>
        {
            var run = NewRun(job.Id, T0);
            if ((await Driver.InsertRunAsync(new InsertRunParams(run), Ct)).Inserted)
            {
                inserted.Add(run.Id);
            }
        });

        var winner = Assert.Single(inserted);
        Assert.Equal([winner], (await Driver.ListRunsAsync(new ListRunsParams(10), Ct)).Items.Select(r => r.Id));
    }

    [Fact]
    public async Task InsertJobAsync_ConcurrentInsertsOfOneKey_CreateOneJobThatAllSee()
    {
        var results = new ConcurrentBag<InsertJobResult>();

        await RaceAsync(async _ => results.Add(await Driver.InsertJobAsync(new InsertJobParams(NewJob() with { Key = "same" }), Ct)));

        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Job.Id).Distinct());
    }

    [Fact]
    public async Task ClaimRunsAsync_ConcurrentClaimers_ClaimEachRunExactlyOnce()
    {
        var job = await InsertJobAsync(NewJob());
        var runs = Enumerable.Range(0, 40).Select(i => NewRun(job.Id, T0.AddSeconds(i))).ToArray();
        await InsertRunsAsync(runs);
        var claims = new ConcurrentBag<(string Owner, RunRecord Run)>();

        await RaceAsync(async racer =>
        {
            var owner = $"node-{racer}";
            IReadOnlyList<RunRecord> batch;
            do
            {
                batch = await ClaimAsync(owner, T0.AddHours(1), limit: 3);
                foreach (var run in batch)
                {
                    claims.Add((owner, run));
                }
            }
            while (batch.Count > 0);
        });

        Assert.Equal(runs.Select(r => r.Id).Order(StringComparer.Ordinal), claims.Select(c => c.Run.Id).Order(StringComparer.Ordinal));
        foreach (var (owner, run) in claims)
        {
            var stored = await GetRunAsync(run.Id);
            Assert.Equal((RunState.Running, owner, run.LeaseToken), (stored.State, stored.LeaseOwner, stored.LeaseToken));
        }
    }

    [Fact]
    public async Task FireAndClaim_Concurrently_EveryFiredRunIsClaimedExactlyOnce()
    {
        var jobs = new List<JobRecord>();
        for (var i = 0; i < 4; i++)
        {
            jobs.Add(await InsertJobAsync(NewJob() with { NextFireAt = T0 }));
        }

        var fired = new ConcurrentBag<string>();
        var claimed = new ConcurrentBag<string>();
        var firing = 3;
        await RaceAsync(async racer =>
        {
            if (racer < 3)
            {
                for (var slot = 0; slot < 4; slot++)
                {
                    var fires = jobs.Select(j => new JobFire(j.Id, T0.AddMinutes(slot), T0.AddMinutes(slot + 1), [NewRun(j.Id, T0.AddMinutes(slot))])).ToList();
                    var won = (await Driver.FireJobsAsync(new FireJobsParams(fires), Ct)).Fired;
                    foreach (var fire in fires.Where((_, i) => won[i]))
                    {
                        fired.Add(fire.Runs[0].Id);
                    }
                }

                Interlocked.Decrement(ref firing);
                return;
            }

            while (true)
            {
                var firersDone = Volatile.Read(ref firing) == 0;
                var batch = await ClaimAsync($"node-{racer}", T0.AddHours(1), limit: 2);
                foreach (var run in batch)
                {
                    claimed.Add(run.Id);
                }

                if (batch.Count == 0 && firersDone)
                {
                    return;
                }

                await Task.Yield();
            }
        });

        Assert.Equal(jobs.Count * 4, fired.Count);
        Assert.Equal(fired.Order(StringComparer.Ordinal), claimed.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task CompleteRunsAsync_ConcurrentCompletionsWithOneToken_AcceptExactlyOne()
    {
        var run = await InsertAndClaimAsync();
        var accepted = new ConcurrentBag<string>();

        await RaceAsync(async racer =>
        {
            var output = $"racer {racer}";
            if (await CompleteAsync(new RunCompletion(run.Id, run.LeaseToken!, RunState.Succeeded, Output: output), T0.AddSeconds(1)))
            {
                accepted.Add(output);
            }
        });

        Assert.Equal(Assert.Single(accepted), (await GetRunAsync(run.Id)).Output);
    }

    /// <summary>Runs <see cref="Racers"/> tasks on the thread pool, released together, and waits for all.</summary>
    private static async Task RaceAsync(Func<int, Task> racer)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Racers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            await racer(i);
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);
    }
}
