using Kron.Engine.Observability;
using Kron.Testing;

namespace Kron.Engine.Tests;

/// <summary>The per-second series behind <c>/v1/stats</c>, on a manual clock.</summary>
public sealed class LiveStatsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Read_NothingRecorded_ThreeHundredEmptySecondsEndingNow()
    {
        var stats = new LiveStats(new ManualTimeProvider(T0.AddMilliseconds(400)));

        var points = stats.Read();

        Assert.Equal(LiveStats.Seconds, points.Count);
        Assert.Equal(T0, points[^1].At);
        Assert.Equal(T0.AddSeconds(-299), points[0].At);
        Assert.All(points, p => Assert.Equal(new LivePoint(p.At, 0, 0, 0, null, null, null), p));
    }

    [Fact]
    public void Record_HundredLags_PercentilesWithinABucketAndExactMax()
    {
        var clock = new ManualTimeProvider(T0);
        var stats = new LiveStats(clock);
        for (var i = 1; i <= 100; i++)
        {
            stats.RecordStarted(i / 1000.0);
        }

        stats.RecordFinished(RunOutcomeKind.Succeeded, 90);
        stats.RecordFinished(RunOutcomeKind.Failed, 10);

        var point = stats.Read()[^1];
        Assert.Equal((100, 100, 10), (point.Started, point.Finished, point.Failed));
        Assert.InRange(point.LagP50!.Value, 0.050, 0.050 * 1.25);
        Assert.InRange(point.LagP99!.Value, 0.099, 0.100);
        Assert.Equal(0.100, point.LagMax);
    }

    [Fact]
    public void Record_SecondsApart_EachInItsOwnPoint_AndOldOnesRollOff()
    {
        var clock = new ManualTimeProvider(T0);
        var stats = new LiveStats(clock);
        stats.RecordStarted(0.5);
        clock.Advance(TimeSpan.FromSeconds(1));
        stats.RecordStarted(1.5);
        stats.RecordStarted(2.5);

        var points = stats.Read();
        Assert.Equal(1, points[^2].Started);
        Assert.Equal(2, points[^1].Started);

        clock.Advance(TimeSpan.FromSeconds(LiveStats.Seconds));
        Assert.All(stats.Read(), p => Assert.Equal(0, p.Started));
    }

    [Theory]
    [InlineData("missed while Kron was down or the job paused; misfire skip", "misfire")]
    [InlineData("missed its starting deadline: 12 s late, starting_deadline is PT10S", "starting_deadline")]
    [InlineData("concurrency forbid: run 01J is still running", "concurrency_forbid")]
    [InlineData("concurrency replace: a newer slot replaced it", "concurrency_replace")]
    [InlineData("max_concurrent 2 reached: 2 runs of this job are queued or running", "max_concurrent")]
    [InlineData("something new", "other")]
    [InlineData(null, "other")]
    public void SkipReasons_Code_IsTheBoundedKind(string? reason, string code) => Assert.Equal(code, SkipReasons.Code(reason));
}
