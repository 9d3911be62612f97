using Kron.Core.Time;

namespace Kron.Core.Tests.Time;

public sealed class Rfc3339Tests
{
    [Theory]
    [InlineData("2025-03-09T03:00:00Z", "2025-03-09T03:00:00+00:00")]
    [InlineData("2025-03-09T03:00:00z", "2025-03-09T03:00:00+00:00")]
    [InlineData("2025-03-09t03:00:00Z", "2025-03-09T03:00:00+00:00")]
    [InlineData("2025-03-09 03:00:00Z", "2025-03-09T03:00:00+00:00")]
    [InlineData("2025-03-09T03:00Z", "2025-03-09T03:00:00+00:00")]
    [InlineData("2025-03-09T03:00:00-04:00", "2025-03-09T03:00:00-04:00")]
    [InlineData("2025-03-09T03:00:00+05:30", "2025-03-09T03:00:00+05:30")]
    [InlineData("2025-03-09T03:00:00+14:00", "2025-03-09T03:00:00+14:00")]
    [InlineData("2025-03-09T03:00:00-12:00", "2025-03-09T03:00:00-12:00")]
    [InlineData("2025-03-09T03:00:00.5Z", "2025-03-09T03:00:00.5+00:00")]
    [InlineData("2025-03-09T03:00:00.1234567+01:00", "2025-03-09T03:00:00.1234567+01:00")]
    [InlineData("  2025-03-09T03:00:00Z  ", "2025-03-09T03:00:00+00:00")]
    [InlineData("0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00")]
    [InlineData("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00")]
    [InlineData("2024-02-29T00:00:00Z", "2024-02-29T00:00:00+00:00")]
    public void TryParse_InstantWithOffset_KeepsTheInstantAndTheOffset(string text, string expected)
    {
        Assert.True(Rfc3339.TryParse(text, out var instant, out var error), error);
        Assert.Null(error);
        var wanted = Instants.Parse(expected);
        Assert.Equal(wanted, instant);
        Assert.Equal(wanted.Offset, instant.Offset);
    }

    [Theory]
    [InlineData("2025-03-09T03:00:00")]
    [InlineData("2025-03-09T03:00")]
    [InlineData("2025-03-09")]
    [InlineData("03:00:00Z")]
    [InlineData("2025-03-09T03:00:00+15:00")]
    [InlineData("2025-03-09T25:00:00Z")]
    [InlineData("2025-02-29T00:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-3-9T03:00:00Z")]
    [InlineData("2025-03-09T03:00:00 +05:30")]
    [InlineData("2025-03-09T03:00:00ZZ")]
    [InlineData("2025-03-09T03:00:00EST")]
    [InlineData("next tuesday")]
    [InlineData("1741489200")]
    [InlineData("2025-03-09T03:00:00+0530")]
    [InlineData("2025-03-09T03:00:00+5:30")]
    public void TryParse_NoOffsetOrMalformed_IsRejectedWithTheText(string text)
    {
        Assert.False(Rfc3339.TryParse(text, out var instant, out var error));
        Assert.Equal(default, instant);
        Assert.Contains($"\"{text}\"", error, StringComparison.Ordinal);
        Assert.Contains("offset", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void TryParse_Empty_SaysAnInstantIsRequired(string? text)
    {
        Assert.False(Rfc3339.TryParse(text, out _, out var error));
        Assert.Contains("required", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2025-03-09T03:00-04:00", "2025-03-09T03:00:00-04:00")]
    [InlineData("2025-01-01T00:15Z", "2025-01-01T00:15:00+00:00")]
    [InlineData("2025-01-01T00:15:00.25+05:30", "2025-01-01T00:15:00.25+05:30")]
    [InlineData("2025-01-01T00:15:00.0000001Z", "2025-01-01T00:15:00.0000001+00:00")]
    public void Format_Instant_WritesItsOwnOffset(string instant, string expected) =>
        Assert.Equal(expected, Rfc3339.Format(Instants.Parse(instant)));

    [Fact]
    public void Format_ThenTryParse_RoundTrips()
    {
        var random = new Random(3339);
        for (var i = 0; i < 1000; i++)
        {
            var ticks = random.NextInt64(DateTimeOffset.MinValue.Ticks + TimeSpan.TicksPerDay, DateTimeOffset.MaxValue.Ticks - TimeSpan.TicksPerDay);
            var instant = new DateTimeOffset(ticks, TimeSpan.FromMinutes(random.Next(-14 * 4, (14 * 4) + 1) * 15));
            Assert.True(Rfc3339.TryParse(Rfc3339.Format(instant), out var parsed, out var error), error);
            Assert.Equal(instant, parsed);
            Assert.Equal(instant.Offset, parsed.Offset);
        }
    }

    [Fact]
    public void TryParse_MoreThanSevenFractionalDigits_KeepsOneHundredNanoseconds()
    {
        Assert.True(Rfc3339.TryParse("2025-03-09T03:00:00.123456789Z", out var instant, out var error), error);
        Assert.Equal(new DateTimeOffset(2025, 3, 9, 3, 0, 0, TimeSpan.Zero).AddTicks(1234567), instant);
    }
}
