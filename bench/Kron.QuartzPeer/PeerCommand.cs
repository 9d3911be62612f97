using System.CommandLine;

namespace Kron.QuartzPeer;

/// <summary>The command line: flags, their checks, then one <see cref="WorkloadRunner"/> run and its report.</summary>
internal static class PeerCommand
{
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var workload = new Option<string>("--workload") { Description = "w1 (burst) or w2 (steady).", Required = true };
        workload.AcceptOnlyFromAmong("w1", "w2");
        var store = new Option<string>("--store") { Description = "ram (RAMJobStore) or postgres (AdoJobStore, clustered).", DefaultValueFactory = _ => "ram" };
        store.AcceptOnlyFromAmong("ram", "postgres");
        var connection = new Option<string?>("--connection") { Description = "Npgsql connection string for --store postgres.", HelpName = "CONNECTION" };
        var jobs = new Option<int>("--jobs") { Description = "W1: jobs at T0.", DefaultValueFactory = _ => 20_000 };
        var rate = new Option<double>("--rate") { Description = "W2: jobs per second.", DefaultValueFactory = _ => 2_000 };
        var duration = new Option<int>("--duration") { Description = "W2: seconds of slots.", DefaultValueFactory = _ => 30 };
        var threads = new Option<int?>("--threads") { Description = "Quartz thread pool size (default: Quartz's default)." };
        var lead = new Option<int?>("--lead") { Description = "Seconds from the start of registration to T0 (default: W1 15, or more when registration would not be done by then)." };
        var maxWait = new Option<int>("--max-wait") { Description = "Seconds after the last slot to wait for runs; then report what ran.", DefaultValueFactory = _ => 120 };
        var batch = new Option<int>("--registration-batch") { Description = "Jobs per IScheduler.ScheduleJobs call.", DefaultValueFactory = _ => 500 };
        var json = new Option<string?>("--json") { Description = "Also write the figures as JSON to this file.", HelpName = "FILE" };
        var root = new RootCommand(
            "Runs a workload of BENCHMARKS.md (W1 burst, W2 steady) against Quartz.NET with a no-op job and reports registration " +
            "rate, drain throughput, lag (job start - scheduled slot) p50/p90/p99/max and jobs executed 0 or more than once.")
        {
            workload, store, connection, jobs, rate, duration, threads, lead, maxWait, batch, json,
        };
        root.SetAction(async (parseResult, token) =>
        {
            var settings = new PeerSettings(
                parseResult.GetValue(workload)!,
                parseResult.GetValue(store)!,
                parseResult.GetValue(connection),
                parseResult.GetValue(jobs),
                parseResult.GetValue(rate),
                TimeSpan.FromSeconds(parseResult.GetValue(duration)),
                parseResult.GetValue(threads),
                parseResult.GetValue(lead) is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                TimeSpan.FromSeconds(parseResult.GetValue(maxWait)),
                parseResult.GetValue(batch),
                parseResult.GetValue(json));
            if (Validate(settings) is { } error)
            {
                await Console.Error.WriteLineAsync($"quartz-peer: {error}").ConfigureAwait(false);
                return 2;
            }

            var report = await new WorkloadRunner(settings, Console.Error, TimeProvider.System).RunAsync(token).ConfigureAwait(false);
            report.WriteTable(Console.Out);
            if (settings.JsonFile is { } file)
            {
                await File.WriteAllTextAsync(file, report.ToJson(), token).ConfigureAwait(false);
            }

            return 0;
        });
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            await Console.Error.WriteLineAsync($"quartz-peer: {parsed.Errors[0].Message} (see --help)").ConfigureAwait(false);
            return 2;
        }

        return await parsed.InvokeAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    private static string? Validate(PeerSettings settings) => settings switch
    {
        { Store: "postgres", Connection: null or "" } => "--store postgres needs --connection",
        { Store: "ram", Connection: not null } => "--connection is for --store postgres",
        { Jobs: < 1 or > 10_000_000 } => $"--jobs must be 1-10000000, not {settings.Jobs}",
        { Rate: <= 0 or > 100_000 } => $"--rate must be above 0 and at most 100000, not {settings.Rate}",
        { Duration.TotalSeconds: < 1 or > 3600 } => $"--duration must be 1-3600 seconds, not {settings.Duration.TotalSeconds}",
        { Threads: < 1 or > 1000 } => $"--threads must be 1-1000, not {settings.Threads}",
        { Lead.TotalSeconds: < 1 } => "--lead must be at least 1 second",
        { MaxWait.TotalSeconds: < 0 } => "--max-wait must not be negative",
        { RegistrationBatch: < 1 or > 100_000 } => $"--registration-batch must be 1-100000, not {settings.RegistrationBatch}",
        { Workload: "w2", JobCount: < 1 } => "--rate x --duration must give at least one job",
        _ => null,
    };
}
