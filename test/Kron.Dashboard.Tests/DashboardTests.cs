using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kron.Testing;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Kron.Dashboard.Tests;

/// <summary>
/// The dashboard in a real Chromium against a real node with an open API: what an operator sees and does. Every test
/// registers its own jobs (unique names) on the shared node, and writes a screenshot of each page it visits.
/// </summary>
[Collection(BrowserTests.Name)]
public sealed partial class DashboardTests(ChromiumFixture chromium, OpenNode node) : IClassFixture<OpenNode>
{
    [Fact]
    public async Task JobsList_RegisteredJobs_ShowNameScheduleInWordsAndState()
    {
        var nightly = await node.CreateJobAsync(new JsonObject
        {
            ["name"] = "nightly-report",
            ["cron"] = "0 3 * * *",
            ["time_zone"] = "Europe/Berlin",
            ["tags"] = new JsonArray("reports"),
            ["target"] = new JsonObject { ["type"] = "http", ["url"] = "https://example.test/hooks/report" },
        });
        var tick = await node.CreateJobAsync(new JsonObject
        {
            ["name"] = "heartbeat-tick",
            ["every"] = "PT30S",
            ["target"] = new JsonObject { ["type"] = "shell", ["command"] = "date >> /tmp/ticks" },
        });
        var paused = await node.CreateJobAsync(new JsonObject
        {
            ["key"] = "invoice-42",
            ["name"] = "invoice-reminder",
            ["schedule_time"] = "2099-06-01T09:00:00Z",
            ["paused"] = true,
            ["target"] = new JsonObject { ["type"] = "noop" },
        });
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync("#/jobs");

        var nightlyRow = JobRow(session, nightly);
        await Expect(nightlyRow.Locator(".job-link")).ToHaveTextAsync("nightly-report");
        await Expect(nightlyRow).ToContainTextAsync("At 03:00 (Europe/Berlin)");
        await Expect(nightlyRow).ToContainTextAsync("0 3 * * *");
        await Expect(nightlyRow).ToContainTextAsync("reports");
        await Expect(nightlyRow.Locator(".cell-state")).ToHaveTextAsync(new Regex("Active"));
        await Expect(nightlyRow.Locator(".cell-last")).ToHaveTextAsync(new Regex("Not run yet"));
        await Expect(JobRow(session, tick)).ToContainTextAsync("Every 30 seconds");
        await Expect(JobRow(session, paused).Locator(".cell-state")).ToHaveTextAsync(new Regex("Paused"));
        await Expect(JobRow(session, paused)).ToContainTextAsync("Once, at 2099-06-01 09:00:00 UTC");
        await session.ScreenshotAsync("jobs");
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task JobPage_PauseAndResumeButtons_ChangeTheJobInTheApi()
    {
        var job = await node.CreateJobAsync(new JsonObject
        {
            ["name"] = "monthly-close",
            ["cron"] = "0 3 28 * *",
            ["time_zone"] = "Europe/Berlin",
            ["target"] = new JsonObject { ["type"] = "noop" },
        });
        var id = (string)job["id"]!;
        await using var session = await DashboardSession.OpenAsync(chromium, node);
        await session.GoToAsync($"#/jobs/{id}");
        await Expect(session.Page.Locator("h1")).ToHaveTextAsync("monthly-close");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Pause monthly-close" }).ClickAsync();

        await Expect(session.Page.Locator(".head-badges")).ToContainTextAsync("Paused");
        Assert.True((bool)(await node.GetAsync($"v1/jobs/{id}"))["paused"]!);

        // The schedule in the job's own zone, with the UTC offset of each occurrence: ten monthly slots always span
        // both Berlin's winter (+01:00) and summer (+02:00) time.
        var occurrences = session.Page.Locator(".occurrence-list li");
        await Expect(occurrences).ToHaveCountAsync(10);
        var texts = await occurrences.AllInnerTextsAsync();
        Assert.All(texts, t => Assert.Matches(OccurrencePattern(), t.ReplaceLineEndings(" ")));
        Assert.Contains(texts, t => t.Contains("+01:00", StringComparison.Ordinal));
        Assert.Contains(texts, t => t.Contains("+02:00", StringComparison.Ordinal));
        await Expect(session.Page.Locator(".schedule-words")).ToHaveTextAsync("At 03:00, on day 28 of the month (Europe/Berlin)");
        await session.ScreenshotAsync("job");

        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Resume monthly-close" }).ClickAsync();

        await Expect(session.Page.Locator(".head-badges")).ToContainTextAsync("Active");
        Assert.False((bool)(await node.GetAsync($"v1/jobs/{id}"))["paused"]!);
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task FailedRun_OutputAndExitCode_VisibleOnTheJobAndRunPages()
    {
        var job = await node.CreateJobAsync(ShellJob("broken-backup", "echo boom-output; echo disk full >&2; exit 3"));
        var id = (string)job["id"]!;
        var run = await node.TriggerAsync(id);
        var runId = (string)run["id"]!;
        var dead = await node.WaitForRunAsync(runId, "dead");
        Assert.Equal(3, (int)dead["outcome"]!["exit_code"]!);
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync($"#/jobs/{id}");

        var failure = session.Page.Locator(".card-failure");
        await Expect(failure).ToContainTextAsync("Latest failure");
        await Expect(failure).ToContainTextAsync("exit 3");
        await Expect(failure.Locator("pre.output")).ToContainTextAsync("boom-output");
        await Expect(failure.Locator("pre.output")).ToContainTextAsync("disk full");
        var historyRow = session.Page.Locator($"tr[data-run-id='{runId}']");
        await Expect(historyRow).ToContainTextAsync("Dead");
        await Expect(historyRow).ToContainTextAsync("exit 3");
        await session.ScreenshotAsync("job-failed");

        await session.GoToAsync($"#/runs/{runId}");

        await Expect(session.Page.Locator("pre.output")).ToContainTextAsync("boom-output");
        await Expect(session.Page.Locator("dl.facts")).ToContainTextAsync("exit 3");
        await Expect(session.Page.Locator("dl.facts")).ToContainTextAsync("broken-backup");
        await session.ScreenshotAsync("run");

        await session.GoToAsync("#/runs?state=dead");

        var row = session.Page.Locator($"tr[data-run-id='{runId}']");
        await Expect(row).ToContainTextAsync("broken-backup");
        await row.GetByRole(AriaRole.Button, new() { Name = "Output" }).ClickAsync();
        await Expect(session.Page.Locator($"#output-{runId} pre.output")).ToContainTextAsync("boom-output");
        await session.ScreenshotAsync("runs");

        // The job page redrives all of its dead runs at once (POST /v1/runs/retry with its id).
        await session.GoToAsync($"#/jobs/{id}");
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Retry all dead runs" }).ClickAsync();

        await Expect(session.Page.Locator(".toast")).ToContainTextAsync("1 run queued again");
        var again = await Eventually.GetAsync(
            async () => await node.GetAsync($"v1/runs/{runId}") is { } r && (int)r["attempt"]! == 2 ? r : null,
            DashboardNode.RunTimeout,
            "the run's second attempt");
        Assert.Equal(2, (int)again["attempt"]!);
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task DeadLetters_RetryButton_RedrivesTheRun()
    {
        // Fails on its first attempt only: dead (no retries), then succeeds once redriven.
        var job = await node.CreateJobAsync(ShellJob("flaky-import", "echo attempt $KRON_ATTEMPT; [ \"$KRON_ATTEMPT\" -gt 1 ]"));
        var run = await node.TriggerAsync((string)job["id"]!);
        var runId = (string)run["id"]!;
        await node.WaitForRunAsync(runId, "dead");
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync("#/dead");

        var row = session.Page.Locator($"tr[data-run-id='{runId}']");
        await Expect(row).ToContainTextAsync("flaky-import");
        await Expect(row).ToContainTextAsync("Dead");
        await Expect(session.Page.Locator("#dead-count")).Not.ToBeHiddenAsync();
        await session.ScreenshotAsync("dead-letters");

        await row.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        var redriven = await Eventually.GetAsync(
            async () =>
            {
                var current = await node.GetAsync($"v1/runs/{runId}");
                return (string?)current["state"] is "queued" or "running" or "succeeded" ? current : null;
            },
            DashboardNode.RunTimeout,
            "the run to be redriven");
        Assert.Equal(2, (int)redriven["attempt"]!);
        var succeeded = await node.WaitForRunAsync(runId, "succeeded");
        Assert.Equal(2, (int)succeeded["attempt"]!);
        await Expect(row).ToHaveCountAsync(0);
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task JobsSearch_TextTagAndState_NarrowTheList()
    {
        var alpha = await node.CreateJobAsync(NoopJob("search-alpha-billing", "billing"));
        var beta = await node.CreateJobAsync(NoopJob("search-beta-billing", "billing", paused: true));
        var gamma = await node.CreateJobAsync(NoopJob("search-gamma-reports", "reports"));
        await using var session = await DashboardSession.OpenAsync(chromium, node);
        await session.GoToAsync("#/jobs");
        await Expect(JobRow(session, gamma)).ToBeVisibleAsync();

        await session.Page.Keyboard.PressAsync("/");
        await Expect(session.Page.Locator("#job-search")).ToBeFocusedAsync();
        await session.Page.Keyboard.TypeAsync("search-");

        await Expect(session.Page.Locator("tbody tr[data-job-id]")).ToHaveCountAsync(3);
        await session.Page.Locator("#tag-filter").SelectOptionAsync("billing");
        await Expect(JobRow(session, gamma)).ToHaveCountAsync(0);
        await Expect(session.Page.Locator("tbody tr[data-job-id]")).ToHaveCountAsync(2);
        await session.Page.GetByRole(AriaRole.Button, new() { Name = "Paused", Exact = true }).ClickAsync();

        await Expect(session.Page.Locator("tbody tr[data-job-id]")).ToHaveCountAsync(1);
        await Expect(JobRow(session, beta)).ToBeVisibleAsync();
        await Expect(JobRow(session, alpha)).ToHaveCountAsync(0);
        Assert.EndsWith("#/jobs?q=search-&tag=billing&state=paused", session.Page.Url, StringComparison.Ordinal);
        await session.ScreenshotAsync("jobs-filtered");

        await session.Page.Locator("#job-search").FillAsync("no-such-job-anywhere");
        await Expect(session.Page.GetByText("No job matches these filters.")).ToBeVisibleAsync();
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Keyboard_SkipLinkShortcutsAndTab_ReachThePauseButton()
    {
        var job = await node.CreateJobAsync(NoopJob("keyboard-only-job", "kbd"));
        var id = (string)job["id"]!;
        await using var session = await DashboardSession.OpenAsync(chromium, node);
        var page = session.Page;
        await session.GoToAsync("");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Overview");

        await page.Keyboard.PressAsync("Tab");
        await Expect(page.Locator("#skip-link")).ToBeFocusedAsync();
        await page.Keyboard.PressAsync("Enter");
        await Expect(page.Locator("#main")).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("g");
        await page.Keyboard.PressAsync("j");
        await Expect(page.Locator("h1")).ToHaveTextAsync("Jobs");
        await page.Keyboard.PressAsync("/");
        await page.Keyboard.TypeAsync("keyboard-only");
        await Expect(page.Locator("tbody tr[data-job-id]")).ToHaveCountAsync(1);

        // From the search box, Tab walks the filters and into the table until it reaches the row's Pause button.
        var reached = false;
        for (var i = 0; i < 30 && !reached; i++)
        {
            await page.Keyboard.PressAsync("Tab");
            reached = await page.EvaluateAsync<string?>("() => document.activeElement?.getAttribute('aria-label')") == "Pause keyboard-only-job";
        }

        Assert.True(reached, "Tab never reached the Pause button");
        await page.Keyboard.PressAsync("Enter");
        await Eventually.TrueAsync(async () => (bool)(await node.GetAsync($"v1/jobs/{id}"))["paused"]!, DashboardNode.RunTimeout, "the job to be paused");
        // The refreshed row keeps the keyboard focus on the same action.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Resume keyboard-only-job" })).ToBeFocusedAsync();

        await page.Keyboard.PressAsync("?");
        await Expect(page.Locator("#shortcuts")).ToBeVisibleAsync();
        await session.ScreenshotAsync("shortcuts");
        await page.Keyboard.PressAsync("Escape");
        await Expect(page.Locator("#shortcuts")).ToBeHiddenAsync();
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Overview_WithRunsAndAFailingJob_ShowsCountsAttentionAndLiveChart()
    {
        var busy = await node.CreateJobAsync(new JsonObject
        {
            ["name"] = "overview-every-second",
            ["every"] = "PT1S",
            ["target"] = new JsonObject { ["type"] = "noop", ["duration"] = "PT0.01S" },
        });
        var failing = await node.CreateJobAsync(ShellJob("overview-failing", "echo nope; exit 2"));
        var failed = await node.TriggerAsync((string)failing["id"]!);
        await node.WaitForRunAsync((string)failed["id"]!, "dead");
        await Eventually.TrueAsync(
            async () => (await node.GetAsync($"v1/jobs/{busy["id"]}/runs?state=succeeded"))["items"]!.AsArray().Count >= 2,
            DashboardNode.RunTimeout,
            "the busy job to run twice");
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync("");

        var failingCard = session.Page.Locator("[data-stat='failing']");
        await Expect(failingCard).ToContainTextAsync("Failing");
        await Expect(failingCard.Locator(".stat-value")).Not.ToHaveTextAsync("0");
        await Expect(session.Page.Locator("[data-stat='dead'] .stat-value")).Not.ToHaveTextAsync("0");
        await Expect(session.Page.Locator(".attention-list")).ToContainTextAsync("overview-failing");
        await Expect(session.Page.Locator(".recent-list li").First).ToBeVisibleAsync();
        await Expect(session.Page.Locator(".chart-panel svg.chart")).ToHaveCountAsync(2);
        await Expect(session.Page.Locator(".chart-panel svg.chart .series-4 rect").First).ToBeAttachedAsync();
        await Expect(session.Page.Locator(".chart-panel").First.Locator(".legend")).ToContainTextAsync("p99");
        await session.ScreenshotAsync("overview");
        await session.Page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await session.ScreenshotAsync("overview-dark");
        await session.Page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });

        await failingCard.ClickAsync();

        await Expect(session.Page.Locator("h1")).ToHaveTextAsync("Jobs");
        await Expect(JobRow(session, failing)).ToBeVisibleAsync();
        await Expect(JobRow(session, busy)).ToHaveCountAsync(0);
        session.AssertNoBrowserErrors();
        // Quiet the shared node for the tests that follow.
        await node.PostAsync($"v1/jobs/{busy["id"]}/pause", null, System.Net.HttpStatusCode.OK);
    }

    [Fact]
    public async Task Cluster_EmbeddedNode_ShowsTheNodeAndEveryShardOwnedByIt()
    {
        var cluster = await node.GetAsync("v1/cluster");
        var shards = cluster["shards"]!.AsArray().Count;
        await using var session = await DashboardSession.OpenAsync(chromium, node);

        await session.GoToAsync("#/cluster");

        var row = session.Page.Locator($"tr[data-node='{DashboardNode.NodeId}']");
        await Expect(row).ToContainTextAsync("Alive");
        await Expect(row).ToContainTextAsync("this node");
        await Expect(row.Locator("td.num")).ToHaveTextAsync(shards.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await Expect(session.Page.Locator(".shard-grid .shard")).ToHaveCountAsync(shards);
        await Expect(session.Page.Locator(".shard-grid .shard.owner-0")).ToHaveCountAsync(shards);
        await Expect(session.Page.Locator(".page-sub")).ToContainTextAsync("Embedded");
        await session.ScreenshotAsync("cluster");
        session.AssertNoBrowserErrors();
    }

    [Fact]
    public async Task Dashboard_Files_AreServedWithAStrictPolicyAndRevalidation()
    {
        using var index = await node.Api.GetAsync(new Uri("/", UriKind.Relative));
        var html = await index.Content.ReadAsStringAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, index.StatusCode);
        Assert.Equal("text/html", index.Content.Headers.ContentType?.MediaType);
        Assert.Contains("ui/js/main.js", html, StringComparison.Ordinal);
        var policy = string.Join(' ', index.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.Equal("no-cache", index.Headers.CacheControl?.ToString());
        var etag = index.Headers.ETag;
        Assert.NotNull(etag);

        using var again = new HttpRequestMessage(HttpMethod.Get, new Uri("/", UriKind.Relative));
        again.Headers.IfNoneMatch.Add(etag);
        using var notModified = await node.Api.SendAsync(again);
        Assert.Equal(System.Net.HttpStatusCode.NotModified, notModified.StatusCode);

        using var script = await node.Api.GetAsync(new Uri("/ui/js/main.js", UriKind.Relative));
        Assert.Equal("text/javascript", script.Content.Headers.ContentType?.MediaType);
        using var vendor = await node.Api.GetAsync(new Uri("/ui/vendor/cronstrue.min.js", UriKind.Relative));
        Assert.StartsWith("/*! cronstrue 3.39.0", await vendor.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var missing = await node.Api.GetAsync(new Uri("/ui/nothing-here.js", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, missing.StatusCode);
    }

    private static ILocator JobRow(DashboardSession session, JsonObject job) => session.Page.Locator($"tr[data-job-id='{job["id"]}']");

    private static JsonObject ShellJob(string name, string command) => new()
    {
        ["name"] = name,
        ["schedule_time"] = "2099-01-01T00:00:00Z",
        ["retries"] = 0,
        ["target"] = new JsonObject { ["type"] = "shell", ["command"] = command },
    };

    private static JsonObject NoopJob(string name, string tag, bool paused = false) => new()
    {
        ["name"] = name,
        ["cron"] = "*/5 * * * *",
        ["tags"] = new JsonArray(tag),
        ["paused"] = paused,
        ["target"] = new JsonObject { ["type"] = "noop" },
    };

    [GeneratedRegex(@"^\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\s+\d{4}-\d{2}-28\s+03:00\s+\+0[12]:00\b")]
    private static partial Regex OccurrencePattern();
}
