using Kron.Core.Time;

namespace Kron.Core.Tests.Time;

public sealed class TimeZonesTests
{
    [Theory]
    [InlineData("UTC")]
    [InlineData("Etc/UTC")]
    [InlineData("Z")]
    public void TryFind_UtcNames_GiveTheUtcZone(string name)
    {
        Assert.True(TimeZones.TryFind(name, out var zone, out var error));
        Assert.Null(error);
        Assert.Same(TimeZoneInfo.Utc, zone);
    }

    [Theory]
    [InlineData("America/New_York", -5)]
    [InlineData("Europe/London", 0)]
    [InlineData("Australia/Lord_Howe", 10.5)]
    [InlineData("America/Santiago", -4)]
    [InlineData("Asia/Kolkata", 5.5)]
    [InlineData("Etc/GMT+5", -5)]
    [InlineData("America/Argentina/Buenos_Aires", -3)]
    public void TryFind_IanaName_GivesTheZone(string name, double standardHours)
    {
        Assert.True(TimeZones.TryFind(name, out var zone, out var error), error);
        Assert.Equal(name, zone.Id);
        Assert.Equal(TimeSpan.FromHours(standardHours), zone.BaseUtcOffset);
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("America/Springfield")]
    [InlineData("Europe/Londres")]
    [InlineData("America/New_York ")]
    [InlineData("Eastern Standard Time")]
    [InlineData("+05:30")]
    public void TryFind_UnknownZone_IsRejectedWithTheName(string name)
    {
        Assert.False(TimeZones.TryFind(name, out var zone, out var error));
        Assert.Null(zone);
        Assert.Contains($"unknown time zone \"{name}\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("/etc/localtime")]
    [InlineData("/usr/share/zoneinfo/UTC")]
    [InlineData("America/../Europe/London")]
    [InlineData("America//New_York")]
    [InlineData("..")]
    [InlineData("America\\New_York")]
    [InlineData("Europe/London\0")]
    [InlineData("zone.tab")]
    [InlineData("~/zone")]
    [InlineData("localtime")]
    [InlineData("posixrules")]
    [InlineData("Factory")]
    [InlineData("right/UTC")]
    [InlineData("posix/Europe/London")]
    [InlineData("america/new_york")]
    [InlineData("AMERICA/NEW_YORK")]
    public void TryFind_PathLikeName_IsRejected(string name)
    {
        Assert.False(TimeZones.TryFind(name, out var zone, out var error));
        Assert.Null(zone);
        Assert.StartsWith("unknown time zone", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    public void TryFind_Empty_SaysAZoneIsRequired(string? name)
    {
        Assert.False(TimeZones.TryFind(name, out var zone, out var error));
        Assert.Null(zone);
        Assert.Contains("required", error, StringComparison.Ordinal);
    }
}
