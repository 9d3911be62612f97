using Kron.Engine.Observability;
namespace Kron.Engine.Tests;

/// <summary>A loop's error lines during an outage: the first, one a minute, then the end.</summary>
public sealed class FailureThrottleTests
{
    [Fact]
    public void Failed_ManyTimesWithinAMinute_LogsOnlyTheFirst_ThenOnceAMinute()
    {
        var clock = new SteppingTimestamps();
        var throttle = new FailureThrottle(clock);

        var logged = new List<bool>();
        for (var i = 0; i < 20; i++)
        {
            logged.Add(throttle.Failed());
            clock.Timestamp += 5 * clock.TimestampFrequency;
        }

        // t = 0 s is logged, then t = 60 s (the 13th failure); the other 18 are counted only.
        Assert.Equal(2, logged.Count(l => l));
        Assert.True(logged[0]);
        Assert.True(logged[12]);
        Assert.Equal(20, throttle.Succeeded());
        Assert.Equal(0, throttle.Succeeded());
        Assert.True(throttle.Failed());
    }
}
