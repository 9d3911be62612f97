using System.CommandLine;
using System.Globalization;
using Kron.Cli.Output;
using Kron.Core.Time;
using Kron.Protocol;

namespace Kron.Cli.Commands;

/// <summary><c>kron run</c>: inspect runs (one execution of a job's slot, with its attempts) on a server.</summary>
internal static class RunCommands
{
    public static readonly string[] States = ["queued", "running", "succeeded", "failed", "dead", "skipped", "lost", "cancelled"];

    public static readonly string[] RedriveStates = ["dead", "failed", "lost", "cancelled"];

    public static Command Build(CliConsole console)
    {
        var run = new Command(
            "run",
            $"Inspect, retry and cancel runs on a Kron server (--url, else ${ClientCommand.UrlVariable}, else {ClientCommand.DefaultUrl}).\n" + ClientCommand.ExitCodesHelp);
        run.Add(BuildList(console));
        run.Add(BuildGet(console));
        run.Add(BuildRetry(console));
        run.Add(BuildCancel(console));
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

    private static Command BuildRetry(CliConsole console)
    {
        var id = new Argument<string?>("id") { Description = "The run's id; leave it out to retry in bulk with --job, --tag, --from or --to.", Arity = ArgumentArity.ZeroOrOne };
        var job = new Option<string?>("--job") { Description = "Bulk: runs of this job id.", HelpName = "ID" };
        var tag = new Option<string?>("--tag") { Description = "Bulk: runs of jobs with this tag.", HelpName = "TAG" };
        var from = new Option<string?>("--from") { Description = "Bulk: slots at or after this RFC 3339 instant.", HelpName = "INSTANT" };
        var to = new Option<string?>("--to") { Description = "Bulk: slots before this RFC 3339 instant.", HelpName = "INSTANT" };
        var state = new Option<string[]>("--state") { Description = $"Bulk: runs in this state: {string.Join(", ", RedriveStates)}; repeat for more. Default: dead.", HelpName = "STATE" };
        state.Validators.Add(result =>
        {
            foreach (var value in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (!RedriveStates.Contains(value, StringComparer.Ordinal))
                {
                    result.AddError($"--state must be one of {string.Join(", ", RedriveStates)}, not \"{value}\"");
                }
            }
        });
        var limit = new Option<int?>("--limit") { Description = "Bulk: retry at most this many runs (the server's maximum is 10000).", HelpName = "N" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var n)
            {
                result.AddError($"--limit must be at least 1, not {n}");
            }
        });
        var retry = new Command(
            "retry",
            "Put a dead, failed, lost or cancelled run back in the queue for another attempt; prints the run. " +
            "Without an id, retries every finished run that matches --job, --tag, --from and --to (dead ones unless --state says otherwise) " +
            "and prints how many. A run that cannot be retried exits 2.")
        {
            id, job, tag, from, to, state, limit,
        };
        return ClientCommand.Bind(
            retry,
            console,
            async (parseResult, context, cancellationToken) =>
            {
                var runId = parseResult.GetValue(id);
                var states = parseResult.GetValue(state) ?? [];
                var filters = new (string Flag, bool Given)[]
                {
                    ("--job", parseResult.GetValue(job) is not null),
                    ("--tag", parseResult.GetValue(tag) is not null),
                    ("--from", parseResult.GetValue(from) is not null),
                    ("--to", parseResult.GetValue(to) is not null),
                    ("--state", states.Length > 0),
                    ("--limit", parseResult.GetValue(limit) is not null),
                };
                if (runId is not null)
                {
                    if (filters.FirstOrDefault(f => f.Given) is { Flag: { } extra })
                    {
                        throw new InvalidInputException($"{extra} is for retrying in bulk; leave out the run id {runId} or {extra}");
                    }

                    var run = await context.Client.RetryRunAsync(runId, cancellationToken).ConfigureAwait(false);
                    return context.Print(run, (writer, r) => writer.WriteLine(
                        string.Create(CultureInfo.InvariantCulture, $"retried run {r.Id} of job {r.JobId}: attempt {r.Attempt}/{r.MaxAttempts} is {r.State}")));
                }

                if (!filters.Take(4).Any(f => f.Given))
                {
                    throw new InvalidInputException("give a run id, or at least one of --job, --tag, --from and --to to retry in bulk");
                }

                var request = new RedriveRequest
                {
                    JobId = parseResult.GetValue(job),
                    Tag = parseResult.GetValue(tag),
                    From = ParseInstant("--from", parseResult.GetValue(from)),
                    To = ParseInstant("--to", parseResult.GetValue(to)),
                    States = states.Length == 0 ? null : states,
                    Limit = parseResult.GetValue(limit),
                };
                var result = await context.Client.RedriveRunsAsync(request, cancellationToken).ConfigureAwait(false);
                return context.Print(result, (writer, r) =>
                {
                    writer.WriteLine(r.Redriven == 1 ? "retried 1 run" : string.Create(CultureInfo.InvariantCulture, $"retried {r.Redriven} runs"));
                    foreach (var redriven in r.RunIds)
                    {
                        writer.WriteLine(redriven);
                    }
                });
            },
            parseResult => parseResult.GetValue(id) is { } runId
                ? $"run {runId} not found"
                : parseResult.GetValue(job) is { } jobId ? $"job {jobId} not found" : null);
    }

    private static Command BuildCancel(CliConsole console)
    {
        var id = JobCommands.IdArgument("run");
        var cancel = new Command(
            "cancel",
            "Cancel a run: a queued run is cancelled at once; a running one is asked to stop and ends cancelled shortly. " +
            "A run that has already finished exits 2.")
        {
            id,
        };
        return ClientCommand.Bind(
            cancel,
            console,
            async (parseResult, context, cancellationToken) =>
            {
                var run = await context.Client.CancelRunAsync(parseResult.GetRequiredValue(id), cancellationToken).ConfigureAwait(false);
                return context.Print(run, (writer, r) => writer.WriteLine(
                    r.State == "cancelled" ? $"cancelled run {r.Id}" : $"run {r.Id} is {r.State}; asked it to stop (see kron run get {r.Id})"));
            },
            parseResult => $"run {parseResult.GetRequiredValue(id)} not found");
    }

    private static DateTimeOffset? ParseInstant(string flag, string? text) =>
        text is null ? null : Rfc3339.TryParse(text, out var instant, out var error) ? instant : throw new InvalidInputException(flag + ": " + error);
}
