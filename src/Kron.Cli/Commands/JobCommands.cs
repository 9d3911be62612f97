using System.CommandLine;
using Kron.Cli.Output;
using Kron.Client;
using Kron.Protocol;

namespace Kron.Cli.Commands;

/// <summary><c>kron job</c>: register, list, inspect, pause, resume, trigger and delete jobs on a server.</summary>
internal static class JobCommands
{
    public static Command Build(CliConsole console)
    {
        var job = new Command(
            "job",
            $"Manage jobs on a Kron server (--url, else ${ClientCommand.UrlVariable}, else {ClientCommand.DefaultUrl}).\n" + ClientCommand.ExitCodesHelp);
        job.Add(JobAddCommand.Build(console));
        job.Add(BuildList(console));
        job.Add(BuildGet(console));
        job.Add(BuildAction(console, "rm", "Delete a job: it stops being scheduled, running runs finish, and its history stays until retention.", "deleted", static async (client, id, ct) =>
        {
            await client.DeleteJobAsync(id, ct).ConfigureAwait(false);
            return null;
        }));
        job.Add(BuildAction(console, "pause", "Pause a job: its slots are skipped until it is resumed.", "paused", static async (client, id, ct) =>
            await client.PauseJobAsync(id, ct).ConfigureAwait(false)));
        job.Add(BuildAction(console, "resume", "Resume a paused job: it fires on its schedule again.", "resumed", static async (client, id, ct) =>
            await client.ResumeJobAsync(id, ct).ConfigureAwait(false)));
        job.Add(BuildTrigger(console));
        return job;
    }

    /// <summary>Collects pages while <paramref name="all"/> and a next cursor are there; a repeated cursor stops the loop.</summary>
    public static async Task<Page<T>> CollectAsync<T>(bool all, string? cursor, Func<string?, CancellationToken, Task<Page<T>>> fetch, CancellationToken cancellationToken)
    {
        var items = new List<T>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            var page = await fetch(cursor, cancellationToken).ConfigureAwait(false);
            items.AddRange(page.Items);
            cursor = page.NextCursor;
            if (!all || cursor is null || !seen.Add(cursor))
            {
                return new Page<T>(items, all ? null : cursor);
            }
        }
    }

    /// <summary>For people: the table, "none" on an empty list, and how to get the next page.</summary>
    public static void WritePage<T>(TextWriter writer, Page<T> page, string noun, string command, Action<TextWriter, IReadOnlyList<T>> writeTable)
    {
        if (page.Items.Count == 0)
        {
            writer.WriteLine($"no {noun}");
        }
        else
        {
            writeTable(writer, page.Items);
        }

        if (page.NextCursor is { } next)
        {
            writer.WriteLine($"more {noun}: {command} --cursor {next} (or --all)");
        }
    }

    internal static Argument<string> IdArgument(string noun) => new("id") { Description = $"The {noun}'s id." };

    internal static Option<int?> LimitOption()
    {
        var limit = new Option<int?>("--limit") { Description = "The largest page to ask for; the server caps it.", HelpName = "N" };
        limit.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 1 and var n)
            {
                result.AddError($"--limit must be at least 1, not {n}");
            }
        });
        return limit;
    }

    private static Command BuildList(CliConsole console)
    {
        var tag = new Option<string?>("--tag") { Description = "Only jobs with this tag.", HelpName = "TAG" };
        var state = new Option<string?>("--state") { Description = "Only jobs in this state, as the API names it.", HelpName = "STATE" };
        var limit = LimitOption();
        var cursor = new Option<string?>("--cursor") { Description = "Start at this page, from the 'more jobs' line or next_cursor of the last page.", HelpName = "CURSOR" };
        var all = new Option<bool>("--all") { Description = "Follow next_cursor through every page (with --json: one list without next_cursor)." };
        var ls = new Command("ls", "List jobs, newest first: id, name, schedule, target, next fire (RFC 3339), paused and last run state.")
        {
            tag, state, limit, cursor, all,
        };
        return ClientCommand.Bind(ls, console, async (parseResult, context, cancellationToken) =>
        {
            var page = await CollectAsync(
                parseResult.GetValue(all),
                parseResult.GetValue(cursor),
                (next, ct) => context.Client.ListJobsAsync(parseResult.GetValue(tag), parseResult.GetValue(state), next, parseResult.GetValue(limit), ct),
                cancellationToken).ConfigureAwait(false);
            return context.Print(page, (writer, p) => WritePage(writer, p, "jobs", "kron job ls", JobTable.WriteList));
        });
    }

    private static Command BuildGet(CliConsole console)
    {
        var id = IdArgument("job");
        var get = new Command("get", "Show one job: schedule, target, policies, next fire and last run. A missing job exits 1.") { id };
        return ClientCommand.Bind(
            get,
            console,
            async (parseResult, context, cancellationToken) =>
                context.Print(await context.Client.GetJobAsync(parseResult.GetRequiredValue(id), cancellationToken).ConfigureAwait(false), JobTable.WriteDetail),
            parseResult => $"job {parseResult.GetRequiredValue(id)} not found");
    }

    private static Command BuildAction(CliConsole console, string name, string description, string done, Func<KronClient, string, CancellationToken, Task<JobResponse?>> call)
    {
        var id = IdArgument("job");
        var json = name == "rm" ? " With --json it prints nothing on success." : " With --json it prints the job.";
        var command = new Command(name, description + json + "") { id };
        return ClientCommand.Bind(
            command,
            console,
            async (parseResult, context, cancellationToken) =>
            {
                var jobId = parseResult.GetRequiredValue(id);
                var job = await call(context.Client, jobId, cancellationToken).ConfigureAwait(false);
                if (job is null)
                {
                    if (!context.Json)
                    {
                        context.Console.Out.WriteLine($"{done} job {jobId}");
                    }

                    return ExitCodes.Ok;
                }

                return context.Print(job, (writer, j) =>
                    writer.WriteLine($"{done} job {j.Id}" + (j.Paused || j.NextFireAt is not { } next ? string.Empty : $"; next fire {JobTable.Instant(next)}")));
            },
            parseResult => $"job {parseResult.GetRequiredValue(id)} not found");
    }

    private static Command BuildTrigger(CliConsole console)
    {
        var id = IdArgument("job");
        var force = new Option<bool>("--force") { Description = "Run even when the job's concurrency policy (forbid, --max-concurrent) would refuse; without it that exits 2." };
        var trigger = new Command("trigger", "Run a job now, once, outside its schedule; prints the new run (see kron run get).") { id, force };
        return ClientCommand.Bind(
            trigger,
            console,
            async (parseResult, context, cancellationToken) =>
            {
                var run = await context.Client.TriggerJobAsync(parseResult.GetRequiredValue(id), parseResult.GetValue(force), cancellationToken).ConfigureAwait(false);
                return context.Print(run, (writer, r) => writer.WriteLine($"triggered job {r.JobId}: run {r.Id} is {r.State}"));
            },
            parseResult => $"job {parseResult.GetRequiredValue(id)} not found");
    }
}
