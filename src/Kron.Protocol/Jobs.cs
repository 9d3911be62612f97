using System.Text.Json;

namespace Kron.Protocol;

/// <summary>
/// <c>POST /v1/jobs</c>: register a job. Exactly one of <see cref="ScheduleTime"/>, <see cref="Cron"/> or
/// <see cref="Every"/> is required. Unknown fields are rejected.
/// </summary>
public sealed record JobCreateRequest
{
    /// <summary>Optional client key, unique per tenant: the same key with the same body returns the same job.</summary>
    public string? Key { get; init; }

    /// <summary>Optional label, at most 200 characters.</summary>
    public string? Name { get; init; }

    /// <summary>One-time: the instant to run at.</summary>
    public DateTimeOffset? ScheduleTime { get; init; }

    /// <summary>Recurring: a cron expression (<c>spec/cron.md</c>).</summary>
    public string? Cron { get; init; }

    /// <summary>IANA zone of <see cref="Cron"/>; default <c>UTC</c>.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Recurring: a fixed interval, ISO 8601 (<c>PT30S</c>).</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>What to run.</summary>
    public TargetSpec? Target { get; init; }

    /// <summary>Any JSON, at most 1 MiB; the http target sends it as the body, shell as <c>KRON_PAYLOAD</c>.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>Attempts after the first (default 3).</summary>
    public int? Retries { get; init; }

    /// <summary>Backoff between attempts (default: 1 s doubling up to 5 minutes, full jitter).</summary>
    public RetrySpec? Retry { get; init; }

    /// <summary>Per attempt, ISO 8601 (default <c>PT5M</c>).</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary><c>allow</c> (default), <c>forbid</c> or <c>replace</c>.</summary>
    public string? Concurrency { get; init; }

    /// <summary>With <c>allow</c>: at most this many runs of the job queued or running; further slots are skipped.</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary><c>run_once</c> (default), <c>skip</c> or <c>run_all</c>.</summary>
    public string? Misfire { get; init; }

    /// <summary>How late a slot may still start, ISO 8601.</summary>
    public TimeSpan? StartingDeadline { get; init; }

    /// <summary><c>at_least_once</c> (default) or <c>at_most_once</c>.</summary>
    public string? Delivery { get; init; }

    /// <summary>Higher runs first when runs compete (default 0).</summary>
    public int? Priority { get; init; }

    /// <summary>Labels to filter by.</summary>
    public IReadOnlyList<string>? Tags { get; init; }

    /// <summary>Register paused.</summary>
    public bool? Paused { get; init; }
}

/// <summary><c>POST /v1/jobs/batch</c>: register up to 1,000 jobs in one request and one transaction.</summary>
public sealed record JobBatchRequest
{
    /// <summary>The jobs, each as the body of <c>POST /v1/jobs</c>.</summary>
    public IReadOnlyList<JobCreateRequest>? Jobs { get; init; }
}

/// <summary>The answer to <c>POST /v1/jobs/batch</c>: one item per job, in the order sent.</summary>
public sealed record JobBatchResponse(IReadOnlyList<JobBatchItem> Items);

/// <summary>
/// What <c>POST /v1/jobs</c> would have answered for one job: <see cref="Status"/> 201 (created) or 200 (its key and body
/// repeat) with <see cref="Job"/>; 409, 413 or 422 with <see cref="Detail"/> (and <see cref="Errors"/> per field for 422).
/// </summary>
public sealed record JobBatchItem(int Status, JobResponse? Job = null, IReadOnlyDictionary<string, string[]>? Errors = null, string? Detail = null);

/// <summary>
/// <c>PATCH /v1/jobs/{id}</c>: change a job. Fields left out keep their value; setting one of
/// <c>schedule_time</c>, <c>cron</c> or <c>every</c> replaces the schedule. <c>next_fire_at</c> is recomputed.
/// </summary>
public sealed record JobPatchRequest
{
    /// <summary>New label.</summary>
    public string? Name { get; init; }

    /// <summary>New one-time schedule.</summary>
    public DateTimeOffset? ScheduleTime { get; init; }

    /// <summary>New cron schedule.</summary>
    public string? Cron { get; init; }

    /// <summary>New zone for the cron schedule.</summary>
    public string? TimeZone { get; init; }

    /// <summary>New interval schedule.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>New target.</summary>
    public TargetSpec? Target { get; init; }

    /// <summary>New payload.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>New retries.</summary>
    public int? Retries { get; init; }

    /// <summary>New backoff.</summary>
    public RetrySpec? Retry { get; init; }

    /// <summary>New concurrency limit.</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary>New timeout.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>New concurrency policy.</summary>
    public string? Concurrency { get; init; }

    /// <summary>New misfire policy.</summary>
    public string? Misfire { get; init; }

    /// <summary>New starting deadline.</summary>
    public TimeSpan? StartingDeadline { get; init; }

    /// <summary>New delivery guarantee.</summary>
    public string? Delivery { get; init; }

    /// <summary>New priority.</summary>
    public int? Priority { get; init; }

    /// <summary>New tags (replace the old ones).</summary>
    public IReadOnlyList<string>? Tags { get; init; }
}

/// <summary>
/// What a run executes. <c>http</c>: <see cref="Url"/>, <see cref="Method"/>, <see cref="Headers"/>.
/// <c>shell</c>: <see cref="Command"/>, <see cref="User"/>, <see cref="WorkingDirectory"/>, <see cref="Environment"/>.
/// <c>queue</c>: <see cref="Queue"/>, <see cref="JobType"/>. <c>noop</c>: <see cref="Duration"/>, <see cref="FailRate"/>.
/// </summary>
public sealed record TargetSpec
{
    /// <summary><c>http</c>, <c>shell</c>, <c>queue</c> or <c>noop</c>.</summary>
    public string? Type { get; init; }

    /// <summary>http: absolute http or https URL.</summary>
    public string? Url { get; init; }

    /// <summary>http: method, default <c>POST</c>.</summary>
    public string? Method { get; init; }

    /// <summary>http: extra request headers.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>shell: the command line, run with <c>/bin/sh -c</c>.</summary>
    public string? Command { get; init; }

    /// <summary>shell: the Unix user to run as (requires the server to run as root).</summary>
    public string? User { get; init; }

    /// <summary>shell: working directory (default: the server's data directory).</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>shell: extra environment variables.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>queue: the queue's name.</summary>
    public string? Queue { get; init; }

    /// <summary>queue: the handler's job type.</summary>
    public string? JobType { get; init; }

    /// <summary>noop: how long the mock execution takes (default zero).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>noop: probability of failure, 0 to 1 (default 0).</summary>
    public double? FailRate { get; init; }
}

/// <summary>
/// Backoff between attempts: the delay after the n-th failure is <c>min(max_interval, initial_interval ×
/// multiplier^(n-1))</c>, jittered (<c>full</c>: anywhere from zero; <c>proportional</c>: from half; <c>none</c>). A
/// target's <c>Retry-After</c> makes it longer, never shorter. <see cref="Retries"/> may be given here instead of at the
/// top level.
/// </summary>
public sealed record RetrySpec
{
    /// <summary>Attempts after the first (the same as the job's <c>retries</c>).</summary>
    public int? Retries { get; init; }

    /// <summary>Delay after the first failure (default <c>PT1S</c>).</summary>
    public TimeSpan? InitialInterval { get; init; }

    /// <summary>Longest delay (default <c>PT5M</c>).</summary>
    public TimeSpan? MaxInterval { get; init; }

    /// <summary>Growth per attempt, at least 1 (default 2).</summary>
    public double? Multiplier { get; init; }

    /// <summary><c>full</c> (default), <c>proportional</c> or <c>none</c>.</summary>
    public string? Jitter { get; init; }
}

/// <summary>A job as the API returns it.</summary>
public sealed record JobResponse
{
    /// <summary>Server-assigned id.</summary>
    public required string Id { get; init; }

    /// <summary>Client key, if any.</summary>
    public string? Key { get; init; }

    /// <summary>Label, if any.</summary>
    public string? Name { get; init; }

    /// <summary>One-time instant.</summary>
    public DateTimeOffset? ScheduleTime { get; init; }

    /// <summary>Cron expression.</summary>
    public string? Cron { get; init; }

    /// <summary>Zone of the cron expression.</summary>
    public string? TimeZone { get; init; }

    /// <summary>Interval.</summary>
    public TimeSpan? Every { get; init; }

    /// <summary>Target.</summary>
    public required TargetSpec Target { get; init; }

    /// <summary>Payload.</summary>
    public JsonElement? Payload { get; init; }

    /// <summary>Attempts after the first.</summary>
    public int Retries { get; init; }

    /// <summary>Backoff between attempts.</summary>
    public required RetrySpec Retry { get; init; }

    /// <summary>Per-attempt timeout.</summary>
    public TimeSpan Timeout { get; init; }

    /// <summary>Concurrency policy.</summary>
    public required string Concurrency { get; init; }

    /// <summary>Concurrency limit with <c>allow</c>.</summary>
    public int? MaxConcurrent { get; init; }

    /// <summary>Misfire policy.</summary>
    public required string Misfire { get; init; }

    /// <summary>Starting deadline.</summary>
    public TimeSpan? StartingDeadline { get; init; }

    /// <summary>Delivery guarantee.</summary>
    public required string Delivery { get; init; }

    /// <summary>Priority.</summary>
    public int Priority { get; init; }

    /// <summary>Tags.</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Whether the job is paused.</summary>
    public bool Paused { get; init; }

    /// <summary>The next slot, or null when the schedule has none left.</summary>
    public DateTimeOffset? NextFireAt { get; init; }

    /// <summary>When the job was registered.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the job definition last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Definition version, +1 on every change.</summary>
    public long Version { get; init; }

    /// <summary>The most recent run.</summary>
    public RunSummaryResponse? LastRun { get; init; }
}

/// <summary>The most recent run of a job.</summary>
public sealed record RunSummaryResponse(string Id, string State, DateTimeOffset ScheduledFor, DateTimeOffset? FinishedAt);

/// <summary>One page of a list: <see cref="NextCursor"/> is absent on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
