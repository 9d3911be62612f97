using System.Text.Json.Nodes;
using Kron.Testing;

namespace Kron.Cli.Tests;

/// <summary>
/// <c>kron run retry|cancel</c> and <c>kron job trigger --force</c> against a real <c>kron serve</c>. Tests wait for
/// a state by polling <c>kron run get --json</c>, never by sleeping.
/// </summary>
public sealed class RunRetryCancelServerTests(KronServerFixture server) : IClassFixture<KronServerFixture>
{
    private static readonly string[] Yearly = ["--cron", "0 0 1 1 *"];

    [Fact]
    public async Task RunRetry_DeadRun_PutsItBackInTheQueueForASecondAttempt()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--fail-rate", "1", "--retries", "0", "--tag", KronServerFixture.NewTag()]))["id"]!;
        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        Assert.Equal("dead", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);

        var retried = await server.KronJsonAsync("run", "retry", runId);

        Assert.Equal(runId, (string?)retried["id"]);
        Assert.Equal("queued", (string?)retried["state"]);
        Assert.Equal(2, (int)retried["attempt"]!);
        var again = await server.WaitForFinishedRunAsync(runId);
        Assert.Equal("dead", (string?)again["state"]);
        Assert.Equal(2, (int)again["attempt"]!);
    }

    [Fact]
    public async Task RunRetry_Table_PrintsTheRequeuedRun()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--fail-rate", "1", "--retries", "0"]))["id"]!;
        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        Assert.Equal("dead", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);

        var result = await server.KronAsync("run", "retry", runId);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Matches($"^retried run {runId} of job {id}: attempt 2/2 is (queued|running|dead)$", Assert.Single(result.Lines));
    }

    [Fact]
    public async Task RunRetry_BulkByJob_ReportsTheCountAndTheRuns()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop", "--fail-rate", "1", "--retries", "0"]))["id"]!;
        var runIds = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
            Assert.Equal("dead", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);
            runIds.Add(runId);
        }

        var result = await server.KronAsync("run", "retry", "--job", id);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Equal("retried 2 runs", result.Lines[0]);
        Assert.Equal(runIds.Order(StringComparer.Ordinal), result.Lines[1..].Order(StringComparer.Ordinal));
        foreach (var runId in runIds)
        {
            Assert.Equal(2, (int)(await server.WaitForFinishedRunAsync(runId))["attempt"]!);
        }

        // Once they are dead again, a second bulk retry with --json redrives them again.
        var json = await server.KronJsonAsync("run", "retry", "--job", id, "--state", "dead", "--limit", "1");
        Assert.Equal(1, (int)json["redriven"]!);
        Assert.Contains((string?)Assert.Single(json["run_ids"]!.AsArray())!, runIds);
    }

    [Fact]
    public async Task RunRetry_NoIdAndNoFilter_ExitsTwoWithOneLine()
    {
        var result = await server.KronAsync("run", "retry");

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.Equal("kron: give a run id, or at least one of --job, --tag, --from and --to to retry in bulk", result.ErrorLine);
    }

    [Fact]
    public async Task RunRetry_SucceededRun_ExitsTwoWithTheServersConflict()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--noop"]))["id"]!;
        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        Assert.Equal("succeeded", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);

        var result = await server.KronAsync("run", "retry", runId);

        Assert.Equal(2, result.ExitCode);
        Assert.Empty(result.Output);
        Assert.StartsWith("kron: ", result.ErrorLine, StringComparison.Ordinal);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
    }

    [Fact]
    public async Task RunCancel_RunningShellRun_EndsCancelled()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--shell", "sleep 30"]))["id"]!;
        var runId = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        await WaitForStateAsync(runId, "running");

        var result = await server.KronAsync("run", "cancel", runId);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(result.Error);
        Assert.Contains(runId, Assert.Single(result.Lines), StringComparison.Ordinal);
        Assert.Equal("cancelled", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);
        var again = await server.KronAsync("run", "cancel", runId);
        Assert.Equal(2, again.ExitCode);
        Assert.StartsWith("kron: ", again.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCancel_MissingRun_ExitsOneWithNotFound()
    {
        var result = await server.KronAsync("run", "cancel", "01a2000000000000000000000000dead");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("kron: run 01a2000000000000000000000000dead not found", result.ErrorLine);
    }

    [Fact]
    public async Task JobTrigger_ForbidWhileRunning_RefusedWithoutForceAndRunsWithIt()
    {
        var id = (string)(await server.AddJobAsync([.. Yearly, "--shell", "sleep 30", "--concurrency", "forbid"]))["id"]!;
        var first = KronServerFixture.TriggeredRunId(await server.KronAsync("job", "trigger", id), id);
        await WaitForStateAsync(first, "running");

        var refused = await server.KronAsync("job", "trigger", id);
        var forced = await server.KronAsync("job", "trigger", id, "--force");

        Assert.Equal(2, refused.ExitCode);
        Assert.Empty(refused.Output);
        Assert.StartsWith("kron: ", refused.ErrorLine, StringComparison.Ordinal);
        var second = KronServerFixture.TriggeredRunId(forced, id);
        Assert.NotEqual(first, second);
        foreach (var runId in new[] { first, second })
        {
            Assert.Equal(0, (await server.KronAsync("run", "cancel", runId)).ExitCode);
            Assert.Equal("cancelled", (string?)(await server.WaitForFinishedRunAsync(runId))["state"]);
        }
    }

    private Task<JsonNode> WaitForStateAsync(string runId, string state) =>
        Eventually.GetAsync(
            async () =>
            {
                var run = await server.KronJsonAsync("run", "get", runId);
                return (string?)run["state"] == state ? run : null;
            },
            KronServerFixture.RunTimeout,
            $"run {runId} to be {state}");
}
