using System.Globalization;
using System.Text.Json;
using Kron.Client;
using Kron.Protocol;
using Kron.Samples.Scheduler;

// Registers two e-mail jobs for the worker in samples/Kron.Samples.EmailWorker and follows the one-time job's run:
//   dotnet run --project samples/Kron.Samples.Scheduler -- [SERVER_URL] [RECIPIENT]
// SERVER_URL: the first argument, else KRON_URL, else http://127.0.0.1:7070. RECIPIENT (default grace@example.com)
// picks the handler's path: "flaky@example.com" fails attempt 1 and succeeds on attempt 2, "not-an-address" fails
// for good. Exit code 0 when the run succeeded, 1 when it ended otherwise or did not end in time, 2 on bad input.
var serverUrl = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("KRON_URL") ?? "http://127.0.0.1:7070";
var recipient = args.Length > 1 ? args[1] : "grace@example.com";
if (!KronClient.TryParseBaseUrl(serverUrl, out _, out var urlError))
{
    await Console.Error.WriteLineAsync(urlError).ConfigureAwait(false);
    return 2;
}

var clock = TimeProvider.System;
using var client = KronClient.Create(serverUrl);
using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90), clock);
var cancellationToken = timeout.Token;
try
{
    // (a) A daily digest at 09:00 on the user's own wall clock: Kron applies the zone's daylight-saving rules, so it
    // stays at 09:00 in Berlin all year. The key makes registration idempotent: running the sample again returns the
    // same job (200) instead of adding a second one.
    var daily = await client.CreateJobAsync(
        new JobCreateRequest
        {
            Key = "sample-daily-digest-ada",
            Name = "daily digest for ada",
            Cron = "0 9 * * *",
            TimeZone = "Europe/Berlin",
            Target = EmailTarget(),
            Payload = EmailPayload("ada@example.com", "Your daily digest", "Here is what happened yesterday."),
            Tags = ["sample"],
        },
        cancellationToken).ConfigureAwait(false);
    Console.WriteLine($"daily job {daily.Job.Id} {(daily.Created ? "registered" : "already registered")}: cron \"{daily.Job.Cron}\" in {daily.Job.TimeZone}");
    var next = await client.CronNextAsync(daily.Job.Cron!, daily.Job.TimeZone, count: 3, cancellationToken: cancellationToken).ConfigureAwait(false);
    Console.WriteLine($"  next runs (local time in {next.TimeZone}): {string.Join(", ", next.Occurrences.Select(o => Format(o)))}");

    // (b) A one-time mail a few seconds from now, with two retries for transient failures.
    var runAt = clock.GetUtcNow().AddSeconds(5);
    var once = await client.CreateJobAsync(
        new JobCreateRequest
        {
            Name = $"welcome mail to {recipient}",
            ScheduleTime = runAt,
            Target = EmailTarget(),
            Payload = EmailPayload(recipient, "Welcome to Kron", "Your account is ready."),
            Retries = 2,
            Timeout = TimeSpan.FromSeconds(30),
            Tags = ["sample"],
        },
        cancellationToken).ConfigureAwait(false);
    Console.WriteLine($"one-time job {once.Job.Id} registered: mail to {recipient} at {Format(once.Job.ScheduleTime)}");
    Console.WriteLine("  waiting for its run (the run appears when the slot fires, then a worker leases it)...");

    // (c) Follow its run until it reaches a final state. Polling keeps the sample short; a real client would look
    // again later or react to the target's own side effect.
    var run = await FollowRunAsync(client, once.Job.Id, clock, cancellationToken).ConfigureAwait(false);
    Console.WriteLine($"run {run.Id} ended {run.State} after {run.Attempt} attempt(s) on {run.Node ?? "?"}");
    if (run.Output is { Length: > 0 } output)
    {
        Console.WriteLine($"  output: {output}");
    }

    if (run.Outcome?.Error is { } error)
    {
        Console.WriteLine($"  error: {error}");
    }

    return run.State == "succeeded" ? 0 : 1;
}
catch (OperationCanceledException) when (timeout.IsCancellationRequested)
{
    await Console.Error.WriteLineAsync("gave up after 90 s: is the worker (samples/Kron.Samples.EmailWorker) running?").ConfigureAwait(false);
    return 1;
}
catch (KronServerUnreachableException e)
{
    await Console.Error.WriteLineAsync($"{e.Message}; start it with: dotnet run --project src/Kron.Cli -- serve").ConfigureAwait(false);
    return 1;
}
catch (KronApiException e)
{
    await Console.Error.WriteLineAsync(e.Message).ConfigureAwait(false);
    return 1;
}

static TargetSpec EmailTarget() => new() { Type = "queue", Queue = "emails", JobType = "email_send" };

static JsonElement EmailPayload(string to, string subject, string body) =>
    JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["to"] = to, ["subject"] = subject, ["body"] = body }, SampleJson.Default.DictionaryStringString);

static string Format(DateTimeOffset? instant) =>
    instant?.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture) ?? "none";

// Prints every change of the run's state (and attempt) until it is final; the job has one run, its one slot.
static async Task<RunResponse> FollowRunAsync(KronClient client, string jobId, TimeProvider clock, CancellationToken cancellationToken)
{
    string? last = null;
    while (true)
    {
        var page = await client.ListRunsAsync(jobId: jobId, cancellationToken: cancellationToken).ConfigureAwait(false);
        if (page.Items.Count > 0)
        {
            var run = page.Items[0];
            var seen = $"{run.State} (attempt {run.Attempt} of {run.MaxAttempts})";
            if (seen != last)
            {
                var detail = run.State == "queued" && run.Outcome?.Error is { } error ? $", last error: {error}" : "";
                Console.WriteLine($"  {clock.GetLocalNow():HH:mm:ss} run {run.Id}: {seen}{detail}");
                last = seen;
            }

            if (run.State is "succeeded" or "failed" or "dead" or "skipped" or "lost" or "cancelled")
            {
                return run;
            }
        }

        await Task.Delay(TimeSpan.FromMilliseconds(250), clock, cancellationToken).ConfigureAwait(false);
    }
}
