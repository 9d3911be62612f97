using System.Globalization;
using System.Net;

namespace Kron.Server.Tests;

/// <summary><c>GET /v1/cron/next</c>.</summary>
public sealed class CronApiTests
{
    private static DateTimeOffset At(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("30 2 * * *", "2025-03-08T12:00-05:00", "2025-03-09T03:00-04:00", "2025-03-10T02:30-04:00", "2025-03-11T02:30-04:00")]
    [InlineData("30 * * * *", "2025-03-09T01:00-05:00", "2025-03-09T01:30-05:00", "2025-03-09T03:30-04:00", "2025-03-09T04:30-04:00")]
    [InlineData("30 1 * * *", "2025-11-01T12:00-04:00", "2025-11-02T01:30-04:00", "2025-11-03T01:30-05:00", "2025-11-04T01:30-05:00")]
    [InlineData("30 * * * *", "2025-11-02T00:45-04:00", "2025-11-02T01:30-04:00", "2025-11-02T01:30-05:00", "2025-11-02T02:30-05:00")]
    public async Task Next_SpecExamplesInNewYork_ReturnTheDaylightSavingAwareOccurrences(string expr, string after, string first, string second, string third)
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync(
            $"/v1/cron/next?expr={Uri.EscapeDataString(expr)}&time_zone=America/New_York&after={Uri.EscapeDataString(after)}&count=3");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        var body = response.Object;
        Assert.Equal(expr, (string?)body["expression"]);
        Assert.Equal("America/New_York", (string?)body["time_zone"]);
        Assert.Equal([At(first), At(second), At(third)], body["occurrences"]!.AsArray().Select(o => o.Instant()));
    }

    [Fact]
    public async Task Next_NoZoneOrCount_UsesUtcAndFiveOccurrences()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync($"/v1/cron/next?expr={Uri.EscapeDataString("*/15 * * * *")}&after={Uri.EscapeDataString("2025-01-01T00:07:30Z")}");

        var body = response.Object;
        Assert.Equal("UTC", (string?)body["time_zone"]);
        Assert.Equal(
            [At("2025-01-01T00:15Z"), At("2025-01-01T00:30Z"), At("2025-01-01T00:45Z"), At("2025-01-01T01:00Z"), At("2025-01-01T01:15Z")],
            body["occurrences"]!.AsArray().Select(o => o.Instant()));
    }

    [Fact]
    public async Task Next_ImpossibleCalendar_ReturnsNoOccurrences()
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync($"/v1/cron/next?expr={Uri.EscapeDataString("0 0 30 2 *")}");

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Empty(response.Object["occurrences"]!.AsArray());
    }

    [Theory]
    [InlineData("61 * * * *", "minute", "61")]
    [InlineData("0 0 * * * *", "", "")]
    [InlineData("@Daily", "", "@Daily")]
    [InlineData("0 0 * jan-foo *", "month", "")]
    public async Task Next_BadExpression_Returns400WithTheParserMessage(string expr, string field, string token)
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync($"/v1/cron/next?expr={Uri.EscapeDataString(expr)}");

        var detail = (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!;
        Assert.StartsWith($"invalid cron expression \"{expr}\"", detail, StringComparison.Ordinal);
        Assert.Contains(field, detail, StringComparison.Ordinal);
        Assert.Contains(token, detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/cron/next", "expr")]
    [InlineData("/v1/cron/next?expr=0+3+*+*+*&time_zone=Nowhere/Land", "Nowhere/Land")]
    [InlineData("/v1/cron/next?expr=0+3+*+*+*&count=0", "count")]
    [InlineData("/v1/cron/next?expr=0+3+*+*+*&count=1001", "count")]
    [InlineData("/v1/cron/next?expr=0+3+*+*+*&after=yesterday", "after")]
    public async Task Next_InvalidParameter_Returns400NamingIt(string path, string mentioned)
    {
        await using var node = await TestNode.StartAsync();

        var response = await node.GetAsync(path);

        Assert.Contains(mentioned, (string)response.Problem(HttpStatusCode.BadRequest)["detail"]!, StringComparison.Ordinal);
    }
}
