using System.Globalization;
using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Cli.Tests;

/// <summary>
/// <c>kron job trigger</c> and <c>kron run ls|get</c> against a real <c>kron serve</c> whose scheduler and dispatcher
/// really run the jobs. Tests wait for a run to finish by polling <c>kron run get --json</c>, never by sleeping.
/// </summary>
public sealed class RunServerTests(KronServerFixture server) : IClassFixture<KronServerFixture>
{
    private static readonly string[] RunColumns = ["ID", "JOB", "SCHEDULED FOR", "TRIGGER", "ATTEMPT", "STATE", "FINISHED", "OUTCOME"];

    // Far enough away that no scheduled run gets in the way of a triggered one.
    private static readonly string[] Yearly = ["--cron", "0 0 1 1 *"];

    [Fact]
    public async Task Trigger_NoopJob_RunsOnceAndSucceeds()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--tag", KronServerFixture.NewTag()]))["id"]!;

        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        var run = await server.WaitForFinishedRunAsync(runId);

        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal(id, (string?)run["job_id"]);
        Assert.Equal("manual", (string?)run["trigger"]);
        Assert.Equal("cli-tests", (string?)run["node"]);
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/runs/{runId}"), run), run.ToJsonString());
        var job = await server.KronAsync("job", "get", id);
        Assert.Contains($"last run:           succeeded (run {runId}, scheduled for {run["scheduled_for"]}, finished {run["finished_at"]})", job.Lines);
    }

    [Fact]
    public async Task RunLs_JobAndState_ListsOnlyThatJobsRunsInThatState()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--retries", "0"]))["id"]!;
        var other = (string)(await server.AddJobAsync([.. Yearly, "--noop"]))["id"]!;
        var runIds = new List<string>();
        foreach (var job in new[] { id, id, other })
        {
            var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", job), job);
            Assert.Equal("succeeded", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);
            runIds.Add(runId);
        }

        var table = await server.KronAsync("run", "ls", "--job", id);
        var succeeded = await server.KronJsonAsync("run", "ls", "--job", id, "--state", "succeeded");
        var dead = await server.KronAsync("run", "ls", "--job", id, "--state", "dead");
        var onePerPage = await server.KronAsync("run", "ls", "--job", id, "--limit", "1");
        var allPages = await server.KronJsonAsync("run", "ls", "--job", id, "--limit", "1", "--all");

        Assert.Equal(0, table.ExitCode);
        var rows = CliTable.Parse(table.Lines, RunColumns);
        Assert.Equal([runIds[1], runIds[0]], rows.Select(row => row["ID"]));
        Assert.All(rows, row => Assert.Equal((id, "manual", "1/1", "succeeded"), (row["JOB"], row["TRIGGER"], row["ATTEMPT"], row["STATE"])));
        Assert.True(JsonNode.DeepEquals(await server.ApiGetAsync($"/v1/jobs/{id}/runs?state=succeeded"), succeeded), succeeded.ToJsonString());
        Assert.Equal([runIds[1], runIds[0]], succeeded["items"]!.AsArray().Select(run => (string?)run!["id"]));
        Assert.Equal(["no runs"], dead.Lines);
        Assert.Equal(runIds[1], Assert.Single(CliTable.Parse(onePerPage.Lines[..^1], RunColumns))["ID"]);
        Assert.StartsWith("more runs: kron run ls --cursor ", onePerPage.Lines[^1], StringComparison.Ordinal);
        Assert.Equal([runIds[1], runIds[0]], allPages["items"]!.AsArray().Select(run => (string?)run!["id"]));
    }

    [Fact]
    public async Task Trigger_NoopThatAlwaysFails_IsDeadAndListedWithItsOutcome()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--fail-rate", "1", "--retries", "0"]))["id"]!;

        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        var run = await server.WaitForFinishedRunAsync(runId);
        var allDead = await server.KronJsonAsync("run", "ls", "--state", "dead", "--all");
        var table = await server.KronAsync("run", "ls", "--job", id, "--state", "dead");

        Assert.Equal("dead", (string?)run["state"]);
        Assert.Contains(runId, allDead["items"]!.AsArray().Select(r => (string?)r!["id"]));
        var row = Assert.Single(CliTable.Parse(table.Lines, RunColumns));
        Assert.Equal((runId, "dead", "simulated failure (fail_rate 1)"), (row["ID"], row["STATE"], row["OUTCOME"]));
    }

    [Fact]
    public async Task ShellJob_AtASoonInstant_RunsOnSchedulePrintsItsOutputAndWritesItsFile()
    {
        var file = Path.Combine(server.Directory, KronServerFixture.NewTag() + ".txt");
        var at = TimeProvider.System.GetUtcNow().AddSeconds(1).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        var id = (string)(await server.AddJobAsync("--at", at, "--shell", $"echo \"$KRON_JOB_ID\" > '{file}'; printf 'line one\\nline two\\n'"))["id"]!;

        await Eventually.TrueAsync(() => Task.FromResult(File.Exists(file) && File.ReadAllText(file).Length > 0), KronServerFixture.RunTimeout, $"the shell job to write {file}");
        var run = await server.WaitForFinishedRunOfJobAsync(id);
        var shown = await server.KronAsync("run", "get", (string)run["id"]!);

        Assert.Equal(id + "\n", File.ReadAllText(file));
        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal("schedule", (string?)run["trigger"]);
        Assert.Equal(0, shown.ExitCode);
        Assert.Contains("outcome:        exit 0", shown.Lines);
        Assert.Equal(["output:", "line one", "line two"], shown.Lines[^3..]);
    }

    [Fact]
    public async Task Trigger_Json_PrintsTheNewRun()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop"]))["id"]!;

        var run = await server.KronJsonAsync("job", "trigger", id);

        Assert.Equal(id, (string?)run["job_id"]);
        Assert.Equal("manual", (string?)run["trigger"]);
        Assert.Equal(1, (int)run["attempt"]!);
        Assert.Equal(4, (int)run["max_attempts"]!);
        Assert.Equal("succeeded", (string?)(await server.WaitForFinishedRunAsync((string)run["id"]!))["state"]);
    }

    [Theory]
    [InlineData("job", "trigger", "kron: job 01a2000000000000000000000000dead not found")]
    [InlineData("run", "get", "kron: run 01a2000000000000000000000000dead not found")]
    public async Task Missing_JobOrRun_ExitsOneWithNotFound(string noun, string verb, string expected)
    {
        var result = await server.KronAsync(noun, verb, "01a2000000000000000000000000dead");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal(expected, result.ErrorLine);
    }

    [Fact]
    public async Task RunLs_MissingJob_ExitsOneWithNotFound()
    {
        var result = await server.KronAsync("run", "ls", "--job", "01a2000000000000000000000000dead");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("kron: job 01a2000000000000000000000000dead not found", result.ErrorLine);
    }

    [Fact]
    public async Task RunLs_UrlWithAPathTheServerDoesNotHave_ReportsTheServersDetail()
    {
        var result = await CliRunner.RunInProcessAsync("run", "ls", "--url", server.Url + "not-kron");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal("kron: there is nothing at /not-kron/v1/runs; the API's routes are listed in /openapi/v1.json", result.ErrorLine);
    }
}
