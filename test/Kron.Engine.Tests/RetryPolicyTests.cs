using Kron.Core.Model;

namespace Kron.Engine.Tests;

/// <summary><see cref="RetryPolicy.DelayAfter"/>, pure: exponential growth, the cap, jitter and Retry-After.</summary>
public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Doubling = new(TimeSpan.FromSeconds(1), TimeSpan.FromHours(1), 2.0, RetryJitter.None);

    private static void AssertClose(TimeSpan expected, TimeSpan actual) =>
        Assert.True(Math.Abs((expected - actual).Ticks) <= 1, $"expected {expected}, got {actual}");

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(10, 512)]
    public void DelayAfter_NoJitter_GrowsByTheMultiplierPerFailedAttempt(int failedAttempt, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Doubling.DelayAfter(failedAttempt, 0.3));
    }

    [Fact]
    public void DelayAfter_FractionalMultiplier_GrowsByIt()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(10), TimeSpan.FromHours(1), 1.5, RetryJitter.None);

        Assert.Equal([10.0, 15.0, 22.5], [.. Enumerable.Range(1, 3).Select(a => policy.DelayAfter(a, 0).TotalSeconds)]);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(100)]
    [InlineData(int.MaxValue)]
    public void DelayAfter_PastTheMaximum_IsCappedAtMaxInterval(int failedAttempt)
    {
        var policy = Doubling with { MaxInterval = TimeSpan.FromSeconds(10) };

        Assert.Equal(TimeSpan.FromSeconds(10), policy.DelayAfter(failedAttempt, 0.999));
    }

    [Fact]
    public void DelayAfter_MultiplierOne_KeepsTheInitialInterval()
    {
        var constant = Doubling with { Multiplier = 1.0 };

        Assert.All(Enumerable.Range(1, 20), a => Assert.Equal(TimeSpan.FromSeconds(1), constant.DelayAfter(a, 0.5)));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.5, 4.0)]
    [InlineData(0.999, 7.992)]
    public void DelayAfter_FullJitter_IsUniformFromZeroToTheDelay(double random, double expectedSeconds)
    {
        var policy = Doubling with { Jitter = RetryJitter.Full };

        AssertClose(TimeSpan.FromSeconds(expectedSeconds), policy.DelayAfter(4, random));
    }

    [Theory]
    [InlineData(0.0, 4.0)]
    [InlineData(0.5, 6.0)]
    [InlineData(0.999, 7.996)]
    public void DelayAfter_ProportionalJitter_IsUniformFromHalfTheDelayToIt(double random, double expectedSeconds)
    {
        var policy = Doubling with { Jitter = RetryJitter.Proportional };

        AssertClose(TimeSpan.FromSeconds(expectedSeconds), policy.DelayAfter(4, random));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(0.999)]
    public void DelayAfter_NoJitter_IgnoresTheRandomDraw(double random)
    {
        Assert.Equal(TimeSpan.FromSeconds(8), Doubling.DelayAfter(4, random));
    }

    [Fact]
    public void DelayAfter_JitterAfterTheCap_JittersTheCappedDelay()
    {
        var policy = new RetryPolicy(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 2.0, RetryJitter.Full);

        AssertClose(TimeSpan.FromSeconds(5), policy.DelayAfter(30, 0.5));
    }

    [Fact]
    public void DelayAfter_RetryAfterLongerThanTheBackoff_Wins()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Doubling.DelayAfter(2, 0.5, TimeSpan.FromSeconds(120)));
    }

    [Fact]
    public void DelayAfter_RetryAfterShorterThanTheBackoff_IsIgnored()
    {
        Assert.Equal(TimeSpan.FromSeconds(16), Doubling.DelayAfter(5, 0.5, TimeSpan.FromSeconds(3)));
    }

    [Fact]
    public void DelayAfter_RetryAfterWithFullJitterDrawingZero_StillWaitsAsLongAsAsked()
    {
        var policy = Doubling with { Jitter = RetryJitter.Full };

        Assert.Equal(TimeSpan.FromSeconds(30), policy.DelayAfter(3, 0.0, TimeSpan.FromSeconds(30)));
    }
}
