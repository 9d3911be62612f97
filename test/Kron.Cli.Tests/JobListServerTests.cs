using System.Text.Json.Nodes;

namespace Kron.Cli.Tests;

/// <summary><c>kron job ls|get|pause|resume|rm</c> and <c>KRON_URL</c> against a real <c>kron serve</c>.</summary>
public sealed class JobListServerTests(KronServerFixture server) : IClassFixture<KronServerFixture>
{
    private static readonly string[] JobColumns = ["ID", "NAME", "SCHEDULE", "TARGET", "NEXT FIRE", "PAUSED", "LAST RUN"];

    [Fact]
    public async Task Ls_Tag_ShowsThoseJobsNewestFirstInAnAlignedTable()
    {
        var tag = KronServerFixture.NewTag();
        var report = await server.AddJobAsync("--name", "nightly-report", "--cron", "0 3 * * *", "--tz", "Asia/Tokyo", "--http", "https://example.test/hook", "--tag", tag);
        var backup = await server.AddJobAsync("--name", "backup", "--every", "30s", "--shell", "backup.sh", "--paused", "--tag", tag);
        await server.AddJobAsync("--name", "someone-elses", "--every", "1h", "--noop", "--tag", KronServerFixture.NewTag());

        var result = await server.KronAsync("job", "ls", "--tag", tag);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        string[][] expected =
        [
            [(string)backup["id"]!, "backup", "every PT30S", "shell: backup.sh", (string)backup["next_fire_at"]!, "yes", "-"],
            [(string)report["id"]!, "nightly-report", "0 3 * * * Asia/Tokyo", "POST https://example.test/hook", (string)report["next_fire_at"]!, "no", "-"],
        ];
        Assert.Equal(expected, CliTable.Parse(result.Lines, JobColumns).Select(row => JobColumns.Select(column => row[column]).ToArray()));
    }

    [Fact]
    public async Task Ls_Json_IsTheApisPage()
    {
        var tag = KronServerFixture.NewTag();
        var first = await server.AddJobAsync("--every", "1h", "--noop", "--tag", tag);
        var second = await server.AddJobAsync("--cron", "@daily", "--noop", "--tag", tag);

        var page = await server.KronJsonAsync("job", "ls", "--tag", tag);

        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs?tag={tag}"), page), page.ToJsonString());
        Assert.Equal([(string?)second["id"], (string?)first["id"]], page["items"]!.AsArray().Select(job => (string?)job!["id"]));
        Assert.Null(page["next_cursor"]);
    }

    [Fact]
    public async Task Ls_MoreJobsThanTheLimit_SaysHowToGetTheNextPageAndAllFollowsTheCursors()
    {
        var tag = KronServerFixture.NewTag();
        var created = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((string)(await server.AddJobAsync("--name", $"job-{i}", "--every", "1h", "--noop", "--tag", tag))["id"]!);
        }

        var ids = created.AsEnumerable().Reverse().ToArray(); // newest first
        var firstPage = await server.KronAsync("job", "ls", "--tag", tag, "--limit", "2");
        var cursor = firstPage.Lines[^1].Split(' ')[6];
        var secondPage = await server.KronAsync("job", "ls", "--tag", tag, "--limit", "2", "--cursor", cursor);
        var allTable = await server.KronAsync("job", "ls", "--tag", tag, "--limit", "2", "--all");
        var allJson = await server.KronJsonAsync("job", "ls", "--tag", tag, "--limit", "2", "--all");

        Assert.Equal($"more jobs: kron job ls --cursor {cursor} (or --all)", firstPage.Lines[^1]);
        Assert.Equal(ids[..2], CliTable.Parse(firstPage.Lines[..^1], JobColumns).Select(row => row["ID"]));
        Assert.Equal(ids[2..4], CliTable.Parse(secondPage.Lines[..^1], JobColumns).Select(row => row["ID"]));
        Assert.StartsWith("more jobs: kron job ls --cursor ", secondPage.Lines[^1], StringComparison.Ordinal);
        Assert.Equal(ids, CliTable.Parse(allTable.Lines, JobColumns).Select(row => row["ID"]));
        Assert.Equal(ids, allJson["items"]!.AsArray().Select(job => (string?)job!["id"]));
        Assert.False(allJson.AsObject().ContainsKey("next_cursor"));
    }

    [Fact]
    public async Task Ls_TagWithoutJobs_SaysNoJobs()
    {
        var result = await server.KronAsync("job", "ls", "--tag", KronServerFixture.NewTag());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["no jobs"], result.Lines);
    }

    [Fact]
    public async Task Ls_TagWithSpacesAndAmpersand_FindsTheJob()
    {
        var tag = "billing & ops #" + KronServerFixture.NewTag();
        var job = await server.AddJobAsync("--every", "1h", "--noop", "--tag", tag);

        var page = await server.KronJsonAsync("job", "ls", "--tag", tag);

        Assert.Equal([(string?)job["id"]], page["items"]!.AsArray().Select(j => (string?)j!["id"]));
    }

    [Fact]
    public async Task Get_Job_PrintsOneFieldPerLine()
    {
        var job = await server.AddJobAsync("--name", "weekly", "--key", KronServerFixture.NewTag(), "--cron", "0 6 * * 1", "--shell", "report.sh", "--timeout", "10m", "--priority", "5");
        var id = (string)job["id"]!;

        var result = await server.KronAsync("job", "get", id);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Equal(
            [
                $"id:                 {id}",
                $"key:                {job["key"]}",
                "name:               weekly",
                "schedule:           0 6 * * 1 UTC",
                "target:             shell: report.sh",
                $"next fire:          {job["next_fire_at"]}",
                "paused:             no",
                "last run:           -",
                "retries:            3",
                "timeout:            PT10M",
                "backoff:            initial PT1S, x2, max PT5M, full jitter",
                "concurrency:        allow",
                "max concurrent:     -",
                "misfire:            run_once",
                "starting deadline:  -",
                "delivery:           at_least_once",
                "priority:           5",
                "tags:               -",
                "payload:            -",
                $"created:            {job["created_at"]}",
                $"updated:            {job["updated_at"]}",
                "version:            1",
            ],
            result.Lines);
    }

    [Fact]
    public async Task Get_MissingJob_ExitsOneWithNotFound()
    {
        var result = await server.KronAsync("job", "get", "01a2000000000000000000000000dead");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal("kron: job 01a2000000000000000000000000dead not found", result.ErrorLine);
    }

    [Fact]
    public async Task PauseAndResume_Job_AreWhatJobGetShows()
    {
        var tag = KronServerFixture.NewTag();
        var id = (string)(await server.AddJobAsync("--every", "1h", "--noop", "--tag", tag))["id"]!;

        var paused = await server.KronAsync("job", "pause", id);
        var whilePaused = await server.KronJsonAsync("job", "get", id);
        var pausedList = await server.KronJsonAsync("job", "ls", "--tag", tag, "--state", "paused");
        var resumed = await server.KronAsync("job", "resume", id);
        var afterResume = await server.KronJsonAsync("job", "get", id);
        var activeList = await server.KronJsonAsync("job", "ls", "--tag", tag, "--state", "active");

        Assert.Equal(0, paused.ExitCode);
        Assert.Equal([$"paused job {id}"], paused.Lines);
        Assert.True((bool)whilePaused["paused"]!);
        Assert.Equal([id], pausedList["items"]!.AsArray().Select(job => (string?)job!["id"]));
        Assert.Equal(0, resumed.ExitCode);
        Assert.False((bool)afterResume["paused"]!);
        Assert.Equal([$"resumed job {id}; next fire {afterResume["next_fire_at"]}"], resumed.Lines);
        Assert.Equal([id], activeList["items"]!.AsArray().Select(job => (string?)job!["id"]));
    }

    [Fact]
    public async Task Pause_Json_PrintsThePausedJob()
    {
        var id = (string)(await server.AddJobAsync("--every", "1h", "--noop"))["id"]!;

        var job = await server.KronJsonAsync("job", "pause", id);

        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{id}"), job), job.ToJsonString());
        Assert.True((bool)job["paused"]!);
    }

    [Fact]
    public async Task Rm_Job_IsGoneForGetPauseAndRm()
    {
        var tag = KronServerFixture.NewTag();
        var id = (string)(await server.AddJobAsync("--every", "1h", "--noop", "--tag", tag))["id"]!;

        var removed = await server.KronAsync("job", "rm", id);
        var get = await server.KronAsync("job", "get", id);
        var pause = await server.KronAsync("job", "pause", id);
        var again = await server.KronAsync("job", "rm", id);

        Assert.Equal(0, removed.ExitCode);
        Assert.Equal([$"deleted job {id}"], removed.Lines);
        Assert.Equal(1, get.ExitCode);
        Assert.Equal($"kron: job {id} not found", get.ErrorLine);
        Assert.Equal(1, pause.ExitCode);
        Assert.Equal($"kron: job {id} not found", pause.ErrorLine);
        Assert.Equal(1, again.ExitCode);
        Assert.Equal($"kron: job {id} not found", again.ErrorLine);
        Assert.Equal(["no jobs"], (await server.KronAsync("job", "ls", "--tag", tag)).Lines);
    }

    [Fact]
    public async Task Rm_Json_PrintsNothing()
    {
        var id = (string)(await server.AddJobAsync("--every", "1h", "--noop"))["id"]!;

        var result = await server.KronAsync("job", "rm", id, "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(1, (await server.KronAsync("job", "get", id)).ExitCode);
    }

    [Fact]
    public async Task Ls_RealProcessWithKronUrl_TalksToThatServer()
    {
        var tag = KronServerFixture.NewTag();
        var id = (string)(await server.AddJobAsync("--name", "from-env", "--every", "1h", "--noop", "--tag", tag))["id"]!;
        var environment = new Dictionary<string, string> { ["KRON_URL"] = server.Url };

        var ls = await CliRunner.RunProcessAsync(environment, "job", "ls", "--tag", tag);
        var get = await CliRunner.RunProcessAsync(environment, "job", "get", id, "--json");

        Assert.Equal(0, ls.ExitCode);
        Assert.Empty(ls.Error);
        var row = Assert.Single(CliTable.Parse(ls.Lines, JobColumns));
        Assert.Equal((id, "from-env"), (row["ID"], row["NAME"]));
        Assert.Equal(0, get.ExitCode);
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{id}"), JsonNode.Parse(get.Output)), get.Output);
    }
}
