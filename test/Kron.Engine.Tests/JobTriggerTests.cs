using Kron.Core.Model;
using Kron.Storage;

namespace Kron.Engine.Tests;

/// <summary>
/// <see cref="Scheduling.JobTrigger"/> on a real SQLite file with a manual clock: the concurrency policies against
/// runs that really execute, and the misfire policies and starting deadline after the clock jumps past several slots.
/// Skipped slots are rows in the runs table, visible in the run list.
/// </summary>
public sealed class JobTriggerTests
{
    private static readonly DateTimeOffset T0 = TestJobs.T0;
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>A job every minute from <see cref="T0"/> whose runs execute for an hour (of the manual clock).</summary>
    private static JobRecord HourLongEveryMinute(ConcurrencyPolicy concurrency) =>
        TestJobs.Every(Minute, T0, TestJobs.Noop(duration: TimeSpan.FromHours(1))) with { Concurrency = concurrency };

    [Fact]
    public async Task RunOnce_ForbidWhileTheFirstSlotRuns_RecordsTheSecondSlotSkippedNamingTheRunningRun()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(HourLongEveryMinute(ConcurrencyPolicy.Forbid));
        await engine.FireAsync();
        var first = await engine.SingleRunAsync(job.Id);
        Assert.Equal(1, await engine.StartParkedAsync());

        engine.Clock.Advance(Minute);
        Assert.Equal(1, (await engine.FireAsync()).Fired);

        var skipped = Assert.Single(await engine.RunsAsync(job.Id, RunState.Skipped));
        Assert.Equal(T0 + Minute, skipped.ScheduledFor);
        Assert.Equal($"concurrency forbid: run {first.Id} is still running", skipped.SkipReason);
        Assert.Equal(RunState.Running, (await engine.RunAsync(first.Id)).State);

        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.DrainAsync();
        Assert.Equal(RunState.Succeeded, (await engine.RunAsync(first.Id)).State);
    }

    [Fact]
    public async Task RunOnce_ReplaceWhileTheFirstSlotRuns_CancelsTheRunningRunAndRunsTheNewOne()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(HourLongEveryMinute(ConcurrencyPolicy.Replace));
        await engine.FireAsync();
        var first = await engine.SingleRunAsync(job.Id);
        Assert.Equal(1, await engine.StartParkedAsync());

        engine.Clock.Advance(Minute);
        await engine.FireAsync();

        Assert.True((await engine.RunAsync(first.Id)).CancelRequested);
        var second = Assert.Single(await engine.RunsAsync(job.Id, RunState.Queued));
        Assert.Equal(T0 + Minute, second.ScheduledFor);

        // The executing node learns of the request at its next heartbeat and stops the run.
        await engine.Dispatcher.RenewLeasesAsync(CancellationToken.None);
        await engine.DrainAsync();
        Assert.Equal(RunState.Cancelled, (await engine.RunAsync(first.Id)).State);

        Assert.Equal(1, await engine.StartParkedAsync());
        Assert.Equal(RunState.Running, (await engine.RunAsync(second.Id)).State);
        engine.Clock.Advance(TimeSpan.FromHours(1));
        await engine.DrainAsync();
        Assert.Equal(RunState.Succeeded, (await engine.RunAsync(second.Id)).State);
    }

    [Fact]
    public async Task RunOnce_ReplaceWhileTheFirstSlotIsQueued_CancelsItAtOnce()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(HourLongEveryMinute(ConcurrencyPolicy.Replace));
        await engine.FireAsync();
        var first = await engine.SingleRunAsync(job.Id);

        engine.Clock.Advance(Minute);
        await engine.FireAsync();

        var cancelled = await engine.RunAsync(first.Id);
        Assert.Equal((RunState.Cancelled, engine.Clock.GetUtcNow()), (cancelled.State, cancelled.FinishedAt));
        Assert.Equal([T0 + Minute], (await engine.RunsAsync(job.Id, RunState.Queued)).Select(r => r.ScheduledFor));
    }

    [Fact]
    public async Task RunOnce_AllowWithMaxConcurrentReached_RecordsTheSlotSkipped()
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(HourLongEveryMinute(ConcurrencyPolicy.Allow) with { MaxConcurrent = 2 });
        await engine.FireAsync();
        engine.Clock.Advance(Minute);
        await engine.FireAsync();
        engine.Clock.Advance(Minute);
        await engine.FireAsync();

        Assert.Equal([T0, T0 + Minute], (await engine.RunsAsync(job.Id, RunState.Queued)).Select(r => r.ScheduledFor));
        var skipped = Assert.Single(await engine.RunsAsync(job.Id, RunState.Skipped));
        Assert.Equal("max_concurrent 2 reached: 2 runs of this job are queued or running", skipped.SkipReason);
    }

    [Theory]
    [InlineData(MisfirePolicy.RunOnce, new[] { 5 }, new[] { 0, 1, 2, 3, 4 }, "misfire run_once")]
    [InlineData(MisfirePolicy.Skip, new int[0], new[] { 0, 1, 2, 3, 4, 5 }, "misfire skip")]
    [InlineData(MisfirePolicy.RunAll, new[] { 0, 1, 2, 3, 4, 5 }, new int[0], "")]
    public async Task RunOnce_ClockPastSeveralSlots_AppliesTheMisfirePolicyAndListsSkippedSlots(
        MisfirePolicy misfire, int[] queuedMinutes, int[] skippedMinutes, string reason)
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(TestJobs.Every(Minute, T0, TestJobs.Noop()) with { Misfire = misfire });

        engine.Clock.Advance(TimeSpan.FromMinutes(5.5));
        Assert.Equal(1, (await engine.FireAsync()).Fired);

        Assert.Equal(queuedMinutes.Select(m => T0.AddMinutes(m)), (await engine.RunsAsync(job.Id, RunState.Queued)).Select(r => r.ScheduledFor));
        var skipped = await engine.RunsAsync(job.Id, RunState.Skipped);
        Assert.Equal(skippedMinutes.Select(m => T0.AddMinutes(m)), skipped.Select(r => r.ScheduledFor));
        Assert.All(skipped, r => Assert.Contains(reason, r.SkipReason, StringComparison.Ordinal));
        Assert.Equal(T0.AddMinutes(6), (await engine.Storage.GetJobAsync(new GetJobParams(job.Id), CancellationToken.None))!.NextFireAt);

        Assert.Equal(queuedMinutes.Length, await engine.DispatchAsync());
        Assert.Equal(queuedMinutes.Length, (await engine.RunsAsync(job.Id, RunState.Succeeded)).Count);
    }

    [Theory]
    [InlineData("PT20S", "missed its starting deadline: PT30S late, starting_deadline is PT20S")]
    [InlineData("PT1M", null)]
    public async Task RunOnce_LatestMissedSlotAgainstTheStartingDeadline_RunsOnlyWithinIt(string deadline, string? reason)
    {
        await using var engine = await EngineHarness.StartAsync();
        var job = await engine.AddJobAsync(TestJobs.Every(Minute, T0, TestJobs.Noop()) with
        {
            Misfire = MisfirePolicy.RunOnce,
            StartingDeadline = System.Xml.XmlConvert.ToTimeSpan(deadline),
        });

        engine.Clock.Advance(TimeSpan.FromMinutes(5.5));
        await engine.FireAsync();

        var runs = await engine.RunsAsync(job.Id);
        Assert.Equal(6, runs.Count);
        Assert.Equal((reason is null ? RunState.Queued : RunState.Skipped, reason), (runs[^1].State, runs[^1].SkipReason));
        Assert.All(runs.SkipLast(1), r => Assert.Equal(RunState.Skipped, r.State));
    }
}
