using System.Text.Json;
using Kron.Core.Scheduling;
using Kron.Engine.Execution;
using Kron.Engine.Scheduling;

namespace Kron.Engine.Tests;

/// <summary>
/// The hot path reads a run's target and a cron job's schedule once per distinct value (<see cref="TargetSpecs"/>,
/// <see cref="JobSchedules"/>): shared where the value is the same, never shared where it must differ.
/// </summary>
public sealed class ParseCacheTests
{
    [Fact]
    public void TargetSpecs_TheSameJsonTwice_IsReadOnceAndShared()
    {
        var json = TestJobs.Http(new Uri("https://example.test/hook-" + Guid.NewGuid().ToString("N")));

        var first = TargetSpecs.Read(json);
        var second = TargetSpecs.Read(new string(json.AsSpan())); // an equal string read from another row

        Assert.Same(first, second);
        Assert.Equal("http", first!.Type);
    }

    [Fact]
    public void TargetSpecs_DifferentJson_GivesEachItsOwnTarget()
    {
        var a = TargetSpecs.Read(TestJobs.Shell("echo a"));
        var b = TargetSpecs.Read(TestJobs.Shell("echo b"));

        Assert.Equal(("echo a", "echo b"), (a!.Command, b!.Command));
    }

    [Fact]
    public void TargetSpecs_NotATarget_ThrowsEveryTime()
    {
        Assert.Throws<JsonException>(() => TargetSpecs.Read("{\"type\":"));
        Assert.Throws<JsonException>(() => TargetSpecs.Read("{\"type\":"));
    }

    [Fact]
    public void TargetSpecs_MoreDistinctTargetsThanTheCapacity_StillReadsEachCorrectly()
    {
        var commands = Enumerable.Range(0, TargetSpecs.Capacity + 10).Select(i => $"echo {i}").ToList();

        var read = commands.Select(c => TargetSpecs.Read(TestJobs.Shell(c))!.Command!).ToList();

        Assert.Equal(commands, read);
    }

    [Fact]
    public void JobSchedules_TwoJobsOnTheSameExpressionAndZone_ShareOneSchedule()
    {
        var a = TestJobs.Cron("*/7 * * * *", "Europe/Berlin", TestJobs.T0, TestJobs.Noop());
        var b = TestJobs.Cron("*/7 * * * *", "Europe/Berlin", TestJobs.T0, TestJobs.Noop());
        var utc = TestJobs.Cron("*/7 * * * *", "UTC", TestJobs.T0, TestJobs.Noop());

        Assert.Same(JobSchedules.Of(a), JobSchedules.Of(b));
        Assert.NotSame(JobSchedules.Of(a), JobSchedules.Of(utc));
        Assert.Equal("UTC", ((CronSchedule)JobSchedules.Of(utc)).Zone.Id);
    }

    [Fact]
    public void JobSchedules_HFieldsOnTheSameExpression_KeepEachJobsOwnMinute()
    {
        // H is seeded with the job id: jobs on "H * * * *" spread over the hour, and the cache must not merge them.
        var jobs = Enumerable.Range(0, 40).Select(_ => TestJobs.Cron("H * * * *", "UTC", TestJobs.T0, TestJobs.Noop())).ToList();

        var minutes = jobs.Select(j => JobSchedules.Of(j).GetNextOccurrence(TestJobs.T0)!.Value.Minute).ToList();
        var again = jobs.Select(j => JobSchedules.Of(j).GetNextOccurrence(TestJobs.T0)!.Value.Minute).ToList();

        Assert.True(minutes.Distinct().Count() > 10, $"40 jobs on H share only {minutes.Distinct().Count()} minutes");
        Assert.Equal(minutes, again);
        Assert.Equal(
            minutes,
            jobs.Select(j => Kron.Core.Cron.CronExpression.Parse("H * * * *", j.Id).GetNextOccurrence(TestJobs.T0, TimeZoneInfo.Utc)!.Value.Minute));
    }
}
