using System.CommandLine;
using Kron.Cli.Commands;

namespace Kron.Cli.Bench;

/// <summary>
/// <c>kron bench</c>: the standard workloads of <c>BENCHMARKS.md</c> (W1 burst, W2 steady, W3 recurring, scale,
/// failover) against nodes it starts, or against a running server with <c>--url</c>.
/// </summary>
internal static class BenchCommand
{
    private static readonly string[] Workloads = ["w1", "w2", "w3", "scale", "failover"];

    public static Command Build(CliConsole console)
    {
        var workload = new Option<string>("--workload")
        {
            Description = "w1 (burst: --jobs at one instant), w2 (steady: --rate per second for --duration), w3 (recurring: --jobs on " +
                "'* * * * *' over --duration worth of minute boundaries), scale (w2 with --stored other jobs), failover (w2 on a " +
                "--nodes cluster, one node SIGKILLed a third of the way in).",
            Required = true,
        };
        workload.AcceptOnlyFromAmong(Workloads);
        var jobs = new Option<int?>("--jobs") { Description = "Jobs: w1 default 20000, w3 default 10000." };
        var rate = new Option<double?>("--rate") { Description = "Slots per second: w2 and scale default 2000, failover 1000." };
        var duration = new Option<int?>("--duration") { Description = "Seconds of slots: w2, scale and failover default 30; w3 default 180 (3 boundaries)." };
        var data = new Option<string?>("--data") { Description = "SQLite data directory for the node (default: a new temporary directory, removed afterwards)." };
        var store = new Option<string?>("--store") { Description = "PostgreSQL connection (keywords or postgres:// URI): the nodes run in cluster mode on it.", HelpName = "CONNECTION" };
        var url = new Option<string?>("--url") { Description = "Run against this running server instead of starting nodes (no CPU or memory figures then).", HelpName = "URL" };
        var nodes = new Option<int?>("--nodes") { Description = "Nodes to start: default 1, failover 3 (more than 1 needs --store)." };
        var stored = new Option<long?>("--stored") { Description = "scale: other jobs stored, scheduled years ahead (default 1000000)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Registration requests (of 500 jobs each) in flight.", DefaultValueFactory = _ => 4 };
        var lead = new Option<int>("--lead")
        {
            Description = "w1: seconds from the start of registration to the burst's instant T0 (BENCHMARKS.md: 15). A longer lead keeps the burst's preparation (10 s look-ahead) apart from registration, so the node CPU counts only the runs.",
            DefaultValueFactory = _ => 15,
        };
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON to this file.", HelpName = "FILE" };
        var bench = new Command(
            "bench",
            "Measure Kron on a standard workload with noop jobs: registration rate, drain throughput, lag (run start - slot) " +
            "p50/p90/p99/max, runs executed 0 times or more than once, node CPU and peak memory.")
        {
            workload, jobs, rate, duration, data, store, url, nodes, stored, concurrency, lead, json,
        };
        bench.SetAction(async (parseResult, cancellationToken) =>
        {
            var name = parseResult.GetValue(workload)!;
            var target = parseResult.GetValue(url);
            Uri? baseUrl = null;
            if (target is not null && !Client.KronClient.TryParseBaseUrl(target, out baseUrl, out var urlError))
            {
                return ClientCommand.Fail(console, ExitCodes.InvalidInput, urlError);
            }

            var settings = new BenchSettings(
                name,
                parseResult.GetValue(jobs) ?? (name == "w3" ? 10_000 : 20_000),
                parseResult.GetValue(rate) ?? (name == "failover" ? 1_000 : 2_000),
                TimeSpan.FromSeconds(parseResult.GetValue(duration) ?? (name == "w3" ? 180 : 30)),
                parseResult.GetValue(data),
                parseResult.GetValue(store),
                baseUrl,
                parseResult.GetValue(nodes) ?? (name == "failover" ? 3 : 1),
                name == "scale" ? parseResult.GetValue(stored) ?? 1_000_000 : 0,
                parseResult.GetValue(concurrency))
            {
                Lead = TimeSpan.FromSeconds(parseResult.GetValue(lead)),
            };
            if (Validate(settings) is { } error)
            {
                return ClientCommand.Fail(console, ExitCodes.InvalidInput, error);
            }

            BenchReport report;
            try
            {
                report = await new BenchRunner(settings, console.Out, TimeProvider.System).RunAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidOperationException or Client.KronApiException or Client.KronServerUnreachableException)
            {
                return ClientCommand.Fail(console, ExitCodes.Failure, "bench failed: " + e.Message);
            }

            await console.Out.WriteLineAsync().ConfigureAwait(false);
            report.WriteTable(console.Out);
            if (parseResult.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file, report.ToJson(), cancellationToken).ConfigureAwait(false);
            }

            return ExitCodes.Ok;
        });
        return bench;
    }

    private static string? Validate(BenchSettings settings) => settings switch
    {
        { Jobs: < 1 or > 10_000_000 } => $"--jobs must be 1-10000000, not {settings.Jobs}",
        { Rate: <= 0 or > 100_000 } => $"--rate must be above 0 and at most 100000, not {settings.Rate}",
        { Duration.TotalSeconds: < 1 or > 3600 } => $"--duration must be 1-3600 seconds, not {settings.Duration.TotalSeconds}",
        { Nodes: < 1 or > 16 } => $"--nodes must be 1-16, not {settings.Nodes}",
        { Stored: < 0 or > 100_000_000 } => $"--stored must be 0-100000000, not {settings.Stored}",
        { Concurrency: < 1 or > 64 } => $"--concurrency must be 1-64, not {settings.Concurrency}",
        { Lead.TotalSeconds: < 5 or > 600 } => $"--lead must be 5-600 seconds, not {settings.Lead.TotalSeconds}",
        { Url: not null, DataDirectory: not null } or { Url: not null, Store: not null } or { DataDirectory: not null, Store: not null } =>
            "give at most one of --data, --store and --url",
        { Nodes: > 1, Store: null } => "more than one node needs a shared PostgreSQL store: add --store",
        { Workload: "failover", Url: not null } => "failover SIGKILLs a node it started itself: use --store, not --url",
        { Workload: "failover", Nodes: < 2 } => "failover needs at least 2 nodes (--nodes, default 3)",
        _ => null,
    };
}
