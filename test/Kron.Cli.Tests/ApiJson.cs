namespace Kron.Cli.Tests;

/// <summary>
/// Answers as the API writes them (snake_case, RFC 3339, ISO 8601 durations, nulls left out), for the few tests that
/// still use <see cref="FakeKronServer"/>; everything else reads real answers from <see cref="KronServerFixture"/>.
/// </summary>
internal static class ApiJson
{
    public const string CronJob = """
        {"id":"j_1","key":"report-1","name":"nightly-report","cron":"0 3 * * *","time_zone":"Europe/Berlin",
         "target":{"type":"http","url":"https://example.test/hook","method":"POST"},"retries":3,
         "retry":{"initial_interval":"PT1S","max_interval":"PT5M","multiplier":2,"jitter":"full"},"timeout":"PT5M",
         "concurrency":"allow","misfire":"run_once","delivery":"at_least_once","priority":0,"tags":["billing"],
         "paused":false,"next_fire_at":"2025-01-02T02:00:00+00:00","created_at":"2025-01-01T00:00:00+00:00",
         "updated_at":"2025-01-01T00:00:00+00:00","version":1,
         "last_run":{"id":"r_9","state":"succeeded","scheduled_for":"2025-01-01T02:00:00+00:00","finished_at":"2025-01-01T02:00:01+00:00"}}
        """;

    public const string QueuedRun = """
        {"id":"r_2","job_id":"j_1","scheduled_for":"2025-01-01T03:00:00+00:00","trigger":"manual","attempt":1,
         "max_attempts":4,"state":"queued","ready_at":"2025-01-01T03:00:00+00:00"}
        """;

    public const string ValidationProblem = """
        {"type":"https://kron.dev/problems/validation","title":"Invalid job","status":400,
         "detail":"the job is invalid; fix the fields listed",
         "errors":{"cron":["minute field \"61\": 61 is out of range"],"time_zone":["unknown time zone \"Mars/Base\""]}}
        """;

    public static string Page(string? nextCursor, params string[] items) =>
        "{\"items\":[" + string.Join(',', items) + "]" + (nextCursor is null ? string.Empty : $",\"next_cursor\":\"{nextCursor}\"") + "}";
}
