using System.Text.Json;
using Kron.Core.Model;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Engine.Tests;

/// <summary>Stored jobs and targets for the engine's tests, built directly (no API in between).</summary>
internal static class TestJobs
{
    /// <summary>The fixed instant every engine test starts at.</summary>
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A retry policy without jitter, so that <c>ready_at</c> is exact.</summary>
    public static readonly RetryPolicy ExactBackoff = new(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1), 2.0, RetryJitter.None);

    public static string Noop(double failRate = 0, TimeSpan? duration = null) =>
        Target(new TargetSpec { Type = "noop", FailRate = failRate, Duration = duration });

    public static string Shell(string command) => Target(new TargetSpec { Type = "shell", Command = command });

    public static string Http(Uri url) => Target(new TargetSpec { Type = "http", Url = url.ToString() });

    /// <summary>A job every <paramref name="interval"/> whose next slot is <paramref name="firstSlot"/>.</summary>
    public static JobRecord Every(TimeSpan interval, DateTimeOffset firstSlot, string target) => New(target) with
    {
        ScheduleKind = ScheduleKind.Every,
        Every = interval,
        CreatedAt = firstSlot - interval,
        UpdatedAt = firstSlot - interval,
        NextFireAt = firstSlot,
    };

    /// <summary>A one-time job at <paramref name="at"/>.</summary>
    public static JobRecord Once(DateTimeOffset at, string target) => New(target) with
    {
        ScheduleKind = ScheduleKind.At,
        ScheduleTime = at,
        CreatedAt = at - TimeSpan.FromMinutes(1),
        UpdatedAt = at - TimeSpan.FromMinutes(1),
        NextFireAt = at,
    };

    /// <summary>A cron job in <paramref name="zone"/> whose next slot is <paramref name="firstSlot"/>.</summary>
    public static JobRecord Cron(string expression, string zone, DateTimeOffset firstSlot, string target) => New(target) with
    {
        ScheduleKind = ScheduleKind.Cron,
        Cron = expression,
        TimeZone = zone,
        CreatedAt = firstSlot - TimeSpan.FromDays(1),
        UpdatedAt = firstSlot - TimeSpan.FromDays(1),
        NextFireAt = firstSlot,
    };

    private static JobRecord New(string target)
    {
        var id = Guid.NewGuid().ToString("N");
        return new JobRecord
        {
            Id = id,
            ScheduleKind = ScheduleKind.At,
            Target = target,
            Shard = Ids.ShardOf(id, Ids.DefaultShardCount),
            Retries = 0,
            Retry = ExactBackoff,
            Timeout = TimeSpan.FromHours(2),
        };
    }

    private static string Target(TargetSpec spec) => JsonSerializer.Serialize(spec, ProtocolJson.Options);
}
