using static Microsoft.Playwright.Assertions;

namespace Kron.Dashboard.Tests;

/// <summary>The dashboard of a node without jobs: it tells a new user how to register the first one.</summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardEmptyTests(ChromiumFixture chromium, EmptyNode node) : IClassFixture<EmptyNode>
{
    [Fact]
    public async Task OverviewAndJobs_NoJobs_ShowHowToRegisterTheFirstOne()
    {
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync("");

        var help = session.Page.Locator(".empty-state");
        await Expect(help.Locator("h2")).ToHaveTextAsync("No jobs yet");
        await Expect(help).ToContainTextAsync("kron job add --name hello --every 30s");
        // The curl command names this very node, so that it can be pasted as it is.
        await Expect(help).ToContainTextAsync($"curl -s -X POST {node.BaseAddress}v1/jobs");
        await Expect(session.Page.Locator("[data-stat='jobs'] .stat-value")).ToHaveTextAsync("0");
        await Expect(session.Page.Locator("[data-stat='late']")).ToContainTextAsync("every active job is on time");
        await session.ScreenshotAsync("overview-empty");

        await session.GoToAsync("#/jobs");

        await Expect(session.Page.Locator(".empty-state h2")).ToHaveTextAsync("No jobs yet");
        await session.GoToAsync("#/dead");
        await Expect(session.Page.Locator(".empty-state h2")).ToHaveTextAsync("No dead letters");
        await session.ScreenshotAsync("dead-letters-empty");
        session.AssertNoBrowserErrors();
    }
}
