using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kron.Dashboard.Tests;

/// <summary>
/// The dashboard against a node whose API requires a bearer token (<c>Kron:Auth:Tokens</c>): the page itself loads
/// without one, asks for the token on the first 401, keeps it for the tab and sends it on every API call.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed class DashboardAuthTests(ChromiumFixture chromium, TokenNode node) : IClassFixture<TokenNode>
{
    [Fact]
    public async Task SignIn_WithTokensConfigured_AsksForTheTokenAndSendsItOnEveryCall()
    {
        var job = await node.CreateJobAsync(new JsonObject
        {
            ["name"] = "behind-a-token",
            ["every"] = "PT1H",
            ["target"] = new JsonObject { ["type"] = "noop" },
        });
        await using var session = await DashboardSession.OpenAsync(chromium, node);
        var page = session.Page;

        await session.GoToAsync("#/jobs");

        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to Kron");
        await Expect(page.Locator("#token")).ToBeFocusedAsync();
        await Expect(page.Locator("#sign-out")).ToBeHiddenAsync();
        await session.ScreenshotAsync("signin");

        await page.Locator("#token").FillAsync("not-the-right-token-at-all");
        await page.Keyboard.PressAsync("Enter");

        await Expect(page.Locator("#signin-error")).ToContainTextAsync("not accepted");

        await page.Locator("#token").FillAsync(TokenNode.ApiToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");
        await Expect(page.Locator($"tr[data-job-id='{job["id"]}']")).ToContainTextAsync("behind-a-token");
        Assert.Equal(TokenNode.ApiToken, await page.EvaluateAsync<string>("() => sessionStorage.getItem('kron.token')"));

        // Actions carry the token too.
        await page.GetByRole(AriaRole.Button, new() { Name = "Pause behind-a-token" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume behind-a-token" })).ToBeVisibleAsync();
        Assert.True((bool)(await node.GetAsync($"v1/jobs/{job["id"]}"))["paused"]!);

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await Expect(page.Locator("h1")).ToHaveTextAsync("Sign in to Kron");
        Assert.Null(await page.EvaluateAsync<string?>("() => sessionStorage.getItem('kron.token')"));
        // The browser reports the 401 answers that led to the sign-in form; nothing else may fail.
        session.AssertNoBrowserErrors(e => e.Contains("401", StringComparison.Ordinal));
    }

    [Fact]
    public async Task StaticFilesAndHealth_WithTokensConfigured_StayOpen()
    {
        using var anonymous = new HttpClient { BaseAddress = node.BaseAddress };

        using var index = await anonymous.GetAsync(new Uri("/", UriKind.Relative));
        using var script = await anonymous.GetAsync(new Uri("/ui/js/api.js", UriKind.Relative));
        using var api = await anonymous.GetAsync(new Uri("/v1/jobs", UriKind.Relative));

        Assert.Equal(System.Net.HttpStatusCode.OK, index.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, api.StatusCode);
    }
}
