using System.Text.Json.Nodes;

namespace Kron.Cli.Tests;

/// <summary>
/// <c>kron bench</c> as a user runs it: a real <c>kron</c> process that starts its own <c>kron serve</c> on a temporary
/// SQLite file, registers the workload, waits for the runs and reports. Small sizes: this checks the command, the
/// speed figures are in docs/benchmarks.md.
/// </summary>
public sealed class BenchCommandTests
{
    [Fact]
    public async Task W1_SmallBurst_EveryJobRunsOnceAndTheJsonHasTheDocumentedKeys()
    {
        var json = Path.Combine(Directory.CreateTempSubdirectory("kron-bench-test-").FullName, "w1.json");

        var result = await CliRunner.RunProcessAsync("bench", "--workload", "w1", "--jobs", "600", "--json", json);

        Assert.True(result.ExitCode == 0, result.Output + result.Error);
        Assert.Contains("drain throughput", result.Output, StringComparison.Ordinal);
        var report = JsonNode.Parse(await File.ReadAllTextAsync(json))!.AsObject();
        foreach (var key in new[] { "workload", "store", "jobs", "rate", "registration_per_s", "throughput_per_s", "lag_ms", "executed_zero", "executed_multiple", "peak_rss_mib" })
        {
            Assert.True(report.ContainsKey(key), $"no {key} in {report}");
        }

        Assert.Equal(("w1", "sqlite", 600), ((string?)report["workload"], (string?)report["store"], (int)report["jobs"]!));
        Assert.Null(report["rate"]);
        Assert.Equal((0, 0), ((int)report["executed_zero"]!, (int)report["executed_multiple"]!));
        var lag = report["lag_ms"]!.AsObject();
        Assert.True((double)lag["p50"]! >= 0 && (double)lag["p50"]! <= (double)lag["p99"]! && (double)lag["p99"]! <= (double)lag["max"]!, lag.ToJsonString());
        Assert.True((double)report["throughput_per_s"]! > 0);
        Assert.True((double)report["peak_rss_mib"]! > 10, "the node's peak RSS comes from /proc");
    }

    [Theory]
    [InlineData("--nodes 3", "more than one node needs a shared PostgreSQL store: add --store")]
    [InlineData("--workload failover", "failover needs at least 2 nodes")]
    [InlineData("--rate 0", "--rate must be above 0")]
    [InlineData("--data /tmp/x --url http://127.0.0.1:1", "give at most one of --data, --store and --url")]
    public async Task BadFlags_Exit2WithWhatToFix(string flags, string message)
    {
        var args = flags.Split(' ');
        var full = args.Contains("--workload") ? args : ["--workload", "w2", .. args];
        if (flags == "--workload failover")
        {
            full = [.. full, "--nodes", "1", "--store", "Host=127.0.0.1"];
        }

        var result = await CliRunner.RunInProcessAsync(["bench", .. full]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(message, result.ErrorLine, StringComparison.Ordinal);
    }
}
