using System.CommandLine;
using Kron.Cli.Output;

namespace Kron.Cli.Commands;

/// <summary><c>kron run</c>: inspect runs (one execution of a job's slot, with its attempts) on a server.</summary>
internal static class RunCommands
{
    public static readonly string[] States = ["queued", "running", "succeeded", "failed", "dead", "skipped", "lost", "cancelled"];

    public static Command Build(CliConsole console)
    {
        var run = new Command(
            "run",
            $"Inspect runs on a Kron server (--url, else ${ClientCommand.UrlVariable}, else {ClientCommand.DefaultUrl}).\n" + ClientCommand.ExitCodesHelp);
        run.Add(BuildList(console));
        run.Add(BuildGet(console));
        return run;
    }

    private static Command BuildList(CliConsole console)
    {
        var job = new Option<string?>("--job") { Description = "Only runs of this job id.", HelpName = "ID" };
        var state = new Option<string?>("--state") { Description = $"Only runs in this state: {string.Join(", ", States)} (dead is the dead-letter list).", HelpName = "STATE" };
        FlagSyntax.AcceptOnly(state, States);
        var limit = JobCommands.LimitOption();
        var cursor = new Option<string?>("--cursor") { Description = "Start at this page, from the 'more runs' line or next_cursor of the last page.", HelpName = "CURSOR" };
        var all = new Option<bool>("--all") { Description = "Follow next_cursor through every page (with --json: one list without next_cursor)." };
        var ls = new Command("ls", "List runs, newest first: id, job, slot, trigger, attempt, state, finish time and outcome.")
        {
            job, state, limit, cursor, all,
        };
        return ClientCommand.Bind(
            ls,
            console,
            async (parseResult, context, cancellationToken) =>
            {
                var page = await JobCommands.CollectAsync(
                    parseResult.GetValue(all),
                    parseResult.GetValue(cursor),
                    (next, ct) => context.Client.ListRunsAsync(parseResult.GetValue(job), parseResult.GetValue(state), next, parseResult.GetValue(limit), ct),
                    cancellationToken).ConfigureAwait(false);
                return context.Print(page, (writer, p) => JobCommands.WritePage(writer, p, "runs", "kron run ls", RunTable.WriteList));
            },
            // The per-job list answers 404 when its job is missing; for the full list, the server's detail says why.
            parseResult => parseResult.GetValue(job) is { } jobId ? $"job {jobId} not found" : null);
    }

    private static Command BuildGet(CliConsole console)
    {
        var id = JobCommands.IdArgument("run");
        var get = new Command("get", "Show one run: state, attempts, times, node, outcome and the tail of its output. A missing run exits 1.") { id };
        return ClientCommand.Bind(
            get,
            console,
            async (parseResult, context, cancellationToken) =>
                context.Print(await context.Client.GetRunAsync(parseResult.GetRequiredValue(id), cancellationToken).ConfigureAwait(false), RunTable.WriteDetail),
            parseResult => $"run {parseResult.GetRequiredValue(id)} not found");
    }
}
