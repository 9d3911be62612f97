using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kron.Cli.Output;
using Kron.Protocol;

namespace Kron.Cli.Commands;

/// <summary><c>kron job add</c>: registers a job from flags, or from a JSON create request with <c>--from-json</c>.</summary>
internal static class JobAddCommand
{
    public static Command Build(CliConsole console)
    {
        Option<string?> Text(string name, string helpName, string description) => new(name) { Description = description, HelpName = helpName };
        Option<string[]> Repeated(string name, string helpName, string description) => new(name) { Description = description, HelpName = helpName };

        var name = Text("--name", "NAME", "A label for people (at most 200 characters).");
        var key = Text("--key", "KEY", "Your idempotency key: adding the same key and flags again returns the same job (exit 0, nothing changed); the same key with other flags is refused.");
        var cron = Text("--cron", "EXPRESSION", "Recurring: a five-field cron expression such as '0 3 * * *' or a macro such as @daily. Quote it.");
        var zone = Text("--tz", "ZONE", "IANA time zone of --cron, such as Europe/Berlin. Default: UTC.");
        var at = Text("--at", "INSTANT", "One-time: an RFC 3339 instant with an offset, such as 2026-12-31T23:59:59Z.");
        var every = Text("--every", "DURATION", $"Recurring: a fixed interval, {FlagSyntax.DurationHelp}.");
        var http = Text("--http", "URL", "Target: call this http or https URL.");
        var method = Text("--method", "METHOD", "With --http: the HTTP method. Default: POST.");
        var headers = Repeated("--header", "NAME=VALUE", "With --http: a request header; repeat for more.");
        var shell = Text("--shell", "COMMAND", "Target: run this command line with /bin/sh -c on the server. Quote it.");
        var user = Text("--user", "USER", "With --shell: the Unix user to run as.");
        var workdir = Text("--workdir", "DIR", "With --shell: the working directory.");
        var env = Repeated("--env", "NAME=VALUE", "With --shell: an environment variable; repeat for more.");
        var queue = Text("--queue", "QUEUE", "Target: put runs on this queue for .NET workers (needs --job-type).");
        var jobType = Text("--job-type", "TYPE", "With --queue: the handler type a worker registered, such as email_send.");
        var noop = new Option<bool>("--noop") { Description = "Target: do nothing (for trying schedules and load tests)." };
        var duration = Text("--duration", "DURATION", "With --noop: how long each run takes, such as PT0.01S or 10ms. Default: 0.");
        var failRate = new Option<double?>("--fail-rate") { Description = "With --noop: the probability that a run fails, 0 to 1. Default: 0.", HelpName = "RATE" };
        var payload = Text("--payload", "JSON", "JSON given to each run: the http body, $KRON_PAYLOAD for shell, the payload for workers. '@' is not special.");
        var payloadFile = Text("--payload-file", "PATH", "Read the payload JSON from this file.");
        var retries = new Option<int?>("--retries") { Description = "Attempts after the first one fails. Default: 3.", HelpName = "N" };
        var retryInitial = Text("--retry-initial", "DURATION", $"Backoff: the delay after the first failure, {FlagSyntax.DurationHelp}. Default: 1s.");
        var retryMax = Text("--retry-max", "DURATION", "Backoff: the longest delay between attempts. Default: 5m.");
        var retryMultiplier = new Option<double?>("--retry-multiplier") { Description = "Backoff: how much the delay grows per attempt, at least 1. Default: 2.", HelpName = "FACTOR" };
        var retryJitter = Text("--retry-jitter", "JITTER", "Backoff: full (default: anywhere from zero), proportional (from half) or none.");
        FlagSyntax.AcceptOnly(retryJitter, "full", "proportional", "none");
        var maxConcurrent = new Option<int?>("--max-concurrent") { Description = "With --concurrency allow: at most this many runs queued or running; further slots are skipped.", HelpName = "N" };
        var timeout = Text("--timeout", "DURATION", "Time limit of each attempt. Default: PT5M.");
        var concurrency = Text("--concurrency", "POLICY", "When a slot comes while a run is still going: allow (default), forbid (skip the slot) or replace (cancel the old run).");
        FlagSyntax.AcceptOnly(concurrency, "allow", "forbid", "replace");
        var misfire = Text("--misfire", "POLICY", "Slots missed while the scheduler was down: run_once (default), skip or run_all.");
        FlagSyntax.AcceptOnly(misfire, "run_once", "skip", "run_all");
        var deadline = Text("--starting-deadline", "DURATION", "How late a slot may still start; later slots are skipped.");
        var delivery = Text("--delivery", "GUARANTEE", "at_least_once (default: retried after a crash) or at_most_once (never started twice).");
        FlagSyntax.AcceptOnly(delivery, "at_least_once", "at_most_once");
        var priority = new Option<int?>("--priority") { Description = "Higher runs first when runs compete. Default: 0.", HelpName = "N" };
        var tags = Repeated("--tag", "TAG", "A label to filter by (kron job ls --tag); repeat for more.");
        var paused = new Option<bool>("--paused") { Description = "Register the job paused; start it with kron job resume." };
        var fromJson = Text("--from-json", "FILE", "Send this JSON create request (the body of POST /v1/jobs) instead of flags; '-' reads standard input.");

        Option[] requestOptions =
        [
            name, key, cron, zone, at, every, http, method, headers, shell, user, workdir, env, queue, jobType, noop, duration,
            failRate, payload, payloadFile, retries, retryInitial, retryMax, retryMultiplier, retryJitter, maxConcurrent, timeout, concurrency, misfire, deadline, delivery, priority, tags, paused,
        ];
        var add = new Command(
            "add",
            "Register a job: one schedule (--cron, --at or --every) and one target (--http, --shell, --queue or --noop). " +
            "Prints the job, or with --json the API's answer.\n" +
            "Example: kron job add --name report --cron '0 3 * * *' --tz Europe/Berlin --http https://example.com/hook");
        foreach (var option in requestOptions)
        {
            add.Add(option);
        }

        add.Add(fromJson);
        return ClientCommand.Bind(add, console, async (parseResult, context, cancellationToken) =>
        {
            JobCreateRequest request;
            if (parseResult.GetValue(fromJson) is { } source)
            {
                if (requestOptions.FirstOrDefault(option => parseResult.GetResult(option) is { Implicit: false }) is { } extra)
                {
                    throw new InvalidInputException($"--from-json sends the request as it is; leave out {extra.Name} or put it in the JSON");
                }

                request = ReadRequest(source, context.Console.In);
            }
            else
            {
                request = new JobAddFlags
                {
                    Name = parseResult.GetValue(name),
                    Key = parseResult.GetValue(key),
                    Cron = parseResult.GetValue(cron),
                    TimeZone = parseResult.GetValue(zone),
                    At = parseResult.GetValue(at),
                    Every = parseResult.GetValue(every),
                    Http = parseResult.GetValue(http),
                    Method = parseResult.GetValue(method),
                    Headers = parseResult.GetValue(headers) ?? [],
                    Shell = parseResult.GetValue(shell),
                    User = parseResult.GetValue(user),
                    WorkingDirectory = parseResult.GetValue(workdir),
                    Environment = parseResult.GetValue(env) ?? [],
                    Queue = parseResult.GetValue(queue),
                    JobType = parseResult.GetValue(jobType),
                    Noop = parseResult.GetValue(noop),
                    Duration = parseResult.GetValue(duration),
                    FailRate = parseResult.GetValue(failRate),
                    Payload = parseResult.GetValue(payload),
                    PayloadFile = parseResult.GetValue(payloadFile),
                    Retries = parseResult.GetValue(retries),
                    RetryInitial = parseResult.GetValue(retryInitial),
                    RetryMax = parseResult.GetValue(retryMax),
                    RetryMultiplier = parseResult.GetValue(retryMultiplier),
                    RetryJitter = parseResult.GetValue(retryJitter),
                    MaxConcurrent = parseResult.GetValue(maxConcurrent),
                    Timeout = parseResult.GetValue(timeout),
                    Concurrency = parseResult.GetValue(concurrency),
                    Misfire = parseResult.GetValue(misfire),
                    StartingDeadline = parseResult.GetValue(deadline),
                    Delivery = parseResult.GetValue(delivery),
                    Priority = parseResult.GetValue(priority),
                    Tags = parseResult.GetValue(tags) ?? [],
                    Paused = parseResult.GetValue(paused),
                }.ToRequest();
            }

            var result = await context.Client.CreateJobAsync(request, cancellationToken).ConfigureAwait(false);
            return context.Print(result.Job, (writer, job) =>
            {
                writer.WriteLine(result.Created ? $"created job {job.Id}" : $"job {job.Id} already exists with this key and definition; nothing changed");
                JobTable.WriteDetail(writer, job);
            });
        });
    }

    /// <summary>Reads a create request from a file, or from <paramref name="input"/> for <c>-</c>; unknown fields are refused as the server would.</summary>
    public static JobCreateRequest ReadRequest(string source, TextReader input)
    {
        string text;
        try
        {
            text = source == "-" ? input.ReadToEnd() : File.ReadAllText(source);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException($"--from-json: cannot read \"{source}\": {e.Message}", e);
        }

        try
        {
            return JsonSerializer.Deserialize(text, (JsonTypeInfo<JobCreateRequest>)ProtocolJson.Options.GetTypeInfo(typeof(JobCreateRequest)))
                ?? throw new InvalidInputException("--from-json: the request is null; write a JSON object such as {\"cron\": \"0 3 * * *\", \"target\": {\"type\": \"noop\"}}");
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"--from-json: {(source == "-" ? "standard input" : source)} is not a job create request: {e.Message}", e);
        }
    }
}
