using Kron.Core.Model;
using Kron.Storage;
using static Kron.Engine.Tests.FirePlannerTests;

namespace Kron.Engine.Tests;

/// <summary><see cref="Scheduling.FirePlanner"/>, pure: the concurrency policies allow (with max_concurrent), forbid and replace.</summary>
public sealed class FirePlannerConcurrencyTests
{
    private static readonly DateTimeOffset T0 = TestJobs.T0;

    /// <summary>Three slots, all on time (a one-hour threshold), so only the concurrency policy decides.</summary>
    private static readonly DateTimeOffset ThreeSlotsDue = T0.AddMinutes(2).AddSeconds(1);

    private static readonly TimeSpan AllOnTime = TimeSpan.FromHours(1);

    private static JobRecord Job(ConcurrencyPolicy concurrency, int? maxConcurrent = null) =>
        EveryMinute(MisfirePolicy.RunAll) with { Concurrency = concurrency, MaxConcurrent = maxConcurrent };

    private static ActiveRun Active(string id, RunState state) => new(id, "job", state, T0.AddMinutes(-5));

    [Fact]
    public void Plan_AllowWithoutLimit_RunsEverySlotBesideTheActiveRuns()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Allow), ThreeSlotsDue, AllOnTime, Active("a1", RunState.Running), Active("a2", RunState.Queued));

        Assert.Equal(Minutes(0, 2), Slots(fire, RunState.Queued));
        Assert.Empty(fire.CancelRunIds);
    }

    [Fact]
    public void Plan_AllowWithMaxConcurrent_RunsUpToTheLimitAndSkipsTheRest()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Allow, maxConcurrent: 2), ThreeSlotsDue, AllOnTime, Active("a1", RunState.Running));

        Assert.Equal([T0], Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(1, 2), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs.Skip(1), r => Assert.Equal("max_concurrent 2 reached: 2 runs of this job are queued or running", r.SkipReason));
    }

    [Fact]
    public void Plan_AllowWithMaxConcurrentAlreadyReached_SkipsTheSlot()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Allow, maxConcurrent: 1), T0.AddSeconds(1), null, Active("a1", RunState.Queued));

        Assert.Contains("max_concurrent 1 reached", Assert.Single(fire.Runs).SkipReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_ForbidWithAnActiveRun_SkipsTheSlotNamingTheActiveRun()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Forbid), T0.AddSeconds(1), null, Active("a1", RunState.Running));

        var run = Assert.Single(fire.Runs);
        Assert.Equal(RunState.Skipped, run.State);
        Assert.Equal("concurrency forbid: run a1 is still running", run.SkipReason);
        Assert.Equal(T0 + Minute, fire.NewNextFireAt);
        Assert.Empty(fire.CancelRunIds);
    }

    [Fact]
    public void Plan_ForbidWithSeveralDueSlotsAndNothingActive_RunsOnlyTheFirst()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Forbid), ThreeSlotsDue, AllOnTime);

        Assert.Equal([T0], Slots(fire, RunState.Queued));
        Assert.All(fire.Runs.Skip(1), r => Assert.Equal("concurrency forbid: an earlier slot of this fire runs", r.SkipReason));
    }

    [Fact]
    public void Plan_ForbidWithNothingActive_RunsTheSlot()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Forbid), T0.AddSeconds(1));

        Assert.Equal([T0], Slots(fire, RunState.Queued));
    }

    [Fact]
    public void Plan_Replace_CancelsEveryActiveRunAndRunsOnlyTheNewestSlot()
    {
        var fire = Plan(Job(ConcurrencyPolicy.Replace), ThreeSlotsDue, AllOnTime, Active("a1", RunState.Running), Active("a2", RunState.Queued));

        Assert.Equal(["a1", "a2"], fire.CancelRunIds);
        Assert.Equal([T0.AddMinutes(2)], Slots(fire, RunState.Queued));
        Assert.All(fire.Runs.Take(2), r => Assert.Equal("concurrency replace: a newer slot replaced it", r.SkipReason));
    }

    [Fact]
    public void Plan_ReplaceWhenNoSlotRuns_CancelsNothing()
    {
        var job = Job(ConcurrencyPolicy.Replace) with { Misfire = MisfirePolicy.Skip };

        var fire = Plan(job, T0.AddMinutes(10).AddSeconds(30), null, Active("a1", RunState.Running));

        Assert.All(fire.Runs, r => Assert.Equal(RunState.Skipped, r.State));
        Assert.Empty(fire.CancelRunIds);
    }
}
