using Kron.Core.Model;
using Kron.Engine.Scheduling;
using Kron.Storage;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="FirePlanner"/>, pure: fixed instants, no database. The misfire policies after an outage, the starting
/// deadline, one-time, interval and cron schedules. Concurrency: <see cref="FirePlannerConcurrencyTests"/>.
/// </summary>
public sealed class FirePlannerTests
{
    internal static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    internal static readonly TimeSpan Threshold = TimeSpan.FromSeconds(5);
    private static readonly DateTimeOffset T0 = TestJobs.T0;

    internal static JobFire Plan(JobRecord job, DateTimeOffset now, TimeSpan? threshold = null, params ActiveRun[] active)
    {
        var n = 0;
        return FirePlanner.Plan(job, JobSchedules.Of(job), now, active, threshold ?? Threshold, () => $"run-{++n:D4}");
    }

    internal static JobRecord EveryMinute(MisfirePolicy misfire = MisfirePolicy.RunOnce) =>
        TestJobs.Every(Minute, T0, TestJobs.Noop()) with { Misfire = misfire };

    internal static DateTimeOffset[] Slots(JobFire fire, RunState state) =>
        [.. fire.Runs.Where(r => r.State == state).Select(r => r.ScheduledFor)];

    internal static DateTimeOffset[] Minutes(int from, int to) => [.. Enumerable.Range(from, to - from + 1).Select(m => T0.AddMinutes(m))];

    [Fact]
    public void Plan_SlotDueNow_RunsItWithTheJobsPoliciesAndMovesToTheNextSlot()
    {
        var job = EveryMinute() with { Retries = 2, Priority = 7, Delivery = DeliveryGuarantee.AtMostOnce };

        var fire = Plan(job, T0.AddSeconds(2));

        var run = Assert.Single(fire.Runs);
        Assert.Equal((RunState.Queued, T0, T0), (run.State, run.ScheduledFor, run.ReadyAt));
        Assert.Equal((3, 7, DeliveryGuarantee.AtMostOnce), (run.MaxAttempts, run.Priority, run.Delivery));
        Assert.Equal((TestJobs.ExactBackoff, TimeSpan.FromHours(2), job.Target), (run.Retry, run.Timeout, run.Target));
        Assert.Null(run.SkipReason);
        Assert.Equal((job.Id, T0, T0 + Minute), (fire.JobId, fire.ExpectedNextFireAt, fire.NewNextFireAt));
        Assert.Empty(fire.CancelRunIds);
    }

    [Fact]
    public void Plan_NowExactlyOnASlot_FiresThatSlotAndTheNextIsStrictlyAfterNow()
    {
        var fire = Plan(EveryMinute(MisfirePolicy.RunAll), T0.AddMinutes(3), threshold: TimeSpan.FromHours(1));

        Assert.Equal(Minutes(0, 3), Slots(fire, RunState.Queued));
        Assert.Equal(T0.AddMinutes(4), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_RunOnceAfterOutage_RunsOnlyTheLatestMissedSlotAndRecordsTheOthersSkipped()
    {
        var now = T0.AddMinutes(10).AddSeconds(30);

        var fire = Plan(EveryMinute(MisfirePolicy.RunOnce), now);

        Assert.Equal([T0.AddMinutes(10)], Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 9), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs.Where(r => r.State == RunState.Skipped), r =>
        {
            Assert.Contains("misfire run_once ran a later slot", r.SkipReason, StringComparison.Ordinal);
            Assert.Equal(now, r.FinishedAt);
        });
        Assert.Equal(T0.AddMinutes(11), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_SkipAfterOutage_RecordsEveryMissedSlotSkipped()
    {
        var fire = Plan(EveryMinute(MisfirePolicy.Skip), T0.AddMinutes(10).AddSeconds(30));

        Assert.Empty(Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 10), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs, r => Assert.Contains("misfire skip", r.SkipReason, StringComparison.Ordinal));
        Assert.Equal(T0.AddMinutes(11), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_RunAllAfterOutage_RunsTheMostRecent100OldestFirstAndSkipsTheOlderOnes()
    {
        var fire = Plan(EveryMinute(MisfirePolicy.RunAll), T0.AddMinutes(149).AddSeconds(30));

        Assert.Equal(150, fire.Runs.Count);
        Assert.Equal(Minutes(50, 149), Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 49), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs.Take(50), r => Assert.Contains("run_all backfills at most 100 slots", r.SkipReason, StringComparison.Ordinal));
        Assert.Equal(fire.Runs.Select(r => r.ScheduledFor).Order(), fire.Runs.Select(r => r.ScheduledFor));
    }

    [Theory]
    [InlineData(MisfirePolicy.RunOnce)]
    [InlineData(MisfirePolicy.Skip)]
    [InlineData(MisfirePolicy.RunAll)]
    public void Plan_SeveralSlotsWithinTheThreshold_AllRunWhateverTheMisfirePolicy(MisfirePolicy misfire)
    {
        var fire = Plan(EveryMinute(misfire), T0.AddMinutes(2).AddSeconds(30), threshold: TimeSpan.FromMinutes(5));

        Assert.Equal(Minutes(0, 2), Slots(fire, RunState.Queued));
        Assert.Empty(Slots(fire, RunState.Skipped));
    }

    [Fact]
    public void Plan_RunOnceWithOnTimeAndMissedSlots_RunsTheOnTimeOnesOnly()
    {
        // Late by 3:30, 2:30, 1:30 and 0:30 with a 90 s threshold: the last two are on time.
        var fire = Plan(EveryMinute(MisfirePolicy.RunOnce), T0.AddMinutes(3).AddSeconds(30), threshold: TimeSpan.FromSeconds(90));

        Assert.Equal(Minutes(2, 3), Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 1), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs.Take(2), r => Assert.Contains("run_once ran a later slot", r.SkipReason, StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_LatestMissedSlotPastTheStartingDeadline_IsSkippedWithHowLateItWas()
    {
        var job = EveryMinute(MisfirePolicy.RunOnce) with { StartingDeadline = TimeSpan.FromSeconds(20) };

        var fire = Plan(job, T0.AddMinutes(10).AddSeconds(30));

        Assert.Empty(Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 10), Slots(fire, RunState.Skipped));
        Assert.Equal("missed its starting deadline: PT30S late, starting_deadline is PT20S", fire.Runs[^1].SkipReason);
        Assert.Equal(T0.AddMinutes(11), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_LatestMissedSlotWithinTheStartingDeadline_Runs()
    {
        var job = EveryMinute(MisfirePolicy.RunOnce) with { StartingDeadline = Minute };

        var fire = Plan(job, T0.AddMinutes(10).AddSeconds(30));

        Assert.Equal([T0.AddMinutes(10)], Slots(fire, RunState.Queued));
    }

    [Fact]
    public void Plan_RunAllWithAStartingDeadline_RunsOnlyTheSlotsWithinIt()
    {
        var job = EveryMinute(MisfirePolicy.RunAll) with { StartingDeadline = TimeSpan.FromMinutes(3) };

        var fire = Plan(job, T0.AddMinutes(10).AddSeconds(30));

        Assert.Equal(Minutes(8, 10), Slots(fire, RunState.Queued));
        Assert.Equal(Minutes(0, 7), Slots(fire, RunState.Skipped));
        Assert.All(fire.Runs.Take(8), r => Assert.StartsWith("missed its starting deadline", r.SkipReason, StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_MoreThan1000MissedSlots_ListsTheLatest1000AndSummarizesTheOlderOnes()
    {
        var fire = Plan(EveryMinute(MisfirePolicy.RunOnce), T0.AddMinutes(1500).AddSeconds(30));

        Assert.Equal(FirePlanner.MaxSlots, fire.Runs.Count);
        Assert.Equal(T0.AddMinutes(501), fire.Runs[0].ScheduledFor);
        Assert.EndsWith("(and 501 earlier slots, not listed)", fire.Runs[0].SkipReason, StringComparison.Ordinal);
        Assert.Equal([T0.AddMinutes(1500)], Slots(fire, RunState.Queued));
        Assert.Equal(T0.AddMinutes(1501), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_OneTimeJobOnTime_RunsOnceAndHasNoNextSlot()
    {
        var fire = Plan(TestJobs.Once(T0, TestJobs.Noop()), T0.AddSeconds(1));

        Assert.Equal([T0], Slots(fire, RunState.Queued));
        Assert.Null(fire.NewNextFireAt);
    }

    [Theory]
    [InlineData(MisfirePolicy.RunOnce, RunState.Queued)]
    [InlineData(MisfirePolicy.RunAll, RunState.Queued)]
    [InlineData(MisfirePolicy.Skip, RunState.Skipped)]
    public void Plan_OneTimeJobAfterOutage_FollowsTheMisfirePolicy(MisfirePolicy misfire, RunState expected)
    {
        var fire = Plan(TestJobs.Once(T0, TestJobs.Noop()) with { Misfire = misfire }, T0.AddHours(1));

        Assert.Equal(expected, Assert.Single(fire.Runs).State);
        Assert.Null(fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_OneTimeJobPastItsStartingDeadline_IsSkipped()
    {
        var job = TestJobs.Once(T0, TestJobs.Noop()) with { StartingDeadline = TimeSpan.FromMinutes(10) };

        var run = Assert.Single(Plan(job, T0.AddHours(1)).Runs);

        Assert.Equal(RunState.Skipped, run.State);
        Assert.Equal("missed its starting deadline: PT1H late, starting_deadline is PT10M", run.SkipReason);
    }

    [Fact]
    public void Plan_CronAfterOutage_RunsEveryCronSlotWithRunAll()
    {
        var job = TestJobs.Cron("*/15 * * * *", "UTC", T0, TestJobs.Noop()) with { Misfire = MisfirePolicy.RunAll };

        var fire = Plan(job, T0.AddMinutes(65));

        Assert.Equal([T0, T0.AddMinutes(15), T0.AddMinutes(30), T0.AddMinutes(45), T0.AddMinutes(60)], Slots(fire, RunState.Queued));
        Assert.Equal(T0.AddMinutes(75), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_CronInBerlinAcrossSpringForward_FiresTheSkippedLocalTimeAtTheTransition()
    {
        // 02:30 local does not exist on 2026-03-29 (02:00 CET -> 03:00 CEST at 01:00Z): it fires at the transition.
        var job = TestJobs.Cron("30 2 * * *", "Europe/Berlin", Utc("2026-03-27T01:30Z"), TestJobs.Noop()) with { Misfire = MisfirePolicy.RunAll };

        var fire = Plan(job, Utc("2026-03-31T00:40Z"));

        Assert.Equal(
            [Utc("2026-03-27T01:30Z"), Utc("2026-03-28T01:30Z"), Utc("2026-03-29T01:00Z"), Utc("2026-03-30T00:30Z"), Utc("2026-03-31T00:30Z")],
            Slots(fire, RunState.Queued));
        Assert.Equal(Utc("2026-04-01T00:30Z"), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_CronInBerlinAcrossFallBack_FiresTheRepeatedLocalTimeOnce()
    {
        // 02:30 local happens twice on 2026-10-25 (00:30Z in CEST, 01:30Z in CET): a fixed-time job fires at the first.
        var job = TestJobs.Cron("30 2 * * *", "Europe/Berlin", Utc("2026-10-24T00:30Z"), TestJobs.Noop()) with { Misfire = MisfirePolicy.RunAll };

        var fire = Plan(job, Utc("2026-10-26T02:00Z"));

        Assert.Equal([Utc("2026-10-24T00:30Z"), Utc("2026-10-25T00:30Z"), Utc("2026-10-26T01:30Z")], Slots(fire, RunState.Queued));
        Assert.Equal(Utc("2026-10-27T01:30Z"), fire.NewNextFireAt);
    }

    [Fact]
    public void Plan_WithAClaim_LeasesTheReadyRunsWhileItHasSlotsAndQueuesTheRest()
    {
        // run_all after an outage: five ready slots; a claim of three leases the oldest three to the node, as of now.
        var now = T0.AddMinutes(4).AddSeconds(1);
        var claim = new FireClaim("node-a", now + Minute, now, slots: 3);
        var n = 0;
        var job = EveryMinute(MisfirePolicy.RunAll);

        var fire = FirePlanner.Plan(job, JobSchedules.Of(job), now, [], TimeSpan.FromHours(1), () => $"run-{++n}", claim);

        Assert.Equal(Minutes(0, 2), Slots(fire, RunState.Running));
        Assert.Equal(Minutes(3, 4), Slots(fire, RunState.Queued));
        Assert.All(fire.Runs.Where(r => r.State == RunState.Running), r =>
        {
            Assert.Equal(("node-a", "node-a", now + Minute, now, now), (r.LeaseOwner, r.Node, r.LeaseExpiresAt, r.StartedAt, r.CreatedAt));
            Assert.Matches("^[0-9a-f]{32}$", r.LeaseToken);
        });
        Assert.Equal(3, fire.Runs.Where(r => r.State == RunState.Running).Select(r => r.LeaseToken).Distinct().Count());
        Assert.All(fire.Runs.Where(r => r.State == RunState.Queued), r => Assert.Equal((null, null, null), (r.LeaseOwner, r.LeaseToken, r.StartedAt)));
        Assert.Equal(0, claim.Left);
    }

    [Fact]
    public void Plan_WithAClaim_NeverLeasesASkippedSlotOrAWorkerQueuesRun()
    {
        var now = T0.AddMinutes(3).AddSeconds(30); // every slot missed: skip records them all skipped
        var claim = new FireClaim("node-a", now + Minute, now, slots: 10);
        var skipping = EveryMinute(MisfirePolicy.Skip);
        var queued = TestJobs.Once(T0, """{"type":"queue","queue":"emails","job_type":"send"}""");
        var n = 0;

        var skipped = FirePlanner.Plan(skipping, JobSchedules.Of(skipping), now, [], Threshold, () => $"run-{++n}", claim);
        var forWorkers = FirePlanner.Plan(queued, JobSchedules.Of(queued), T0, [], Threshold, () => $"run-{++n}", claim);

        Assert.All(skipped.Runs, r => Assert.Equal((RunState.Skipped, null), (r.State, r.LeaseOwner)));
        var run = Assert.Single(forWorkers.Runs);
        Assert.Equal((RunState.Queued, "emails", null), (run.State, run.Queue, run.LeaseOwner));
        Assert.Equal(10, claim.Left);
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
}
