namespace Kron.Benchmarks;

/// <summary>The typical expressions every cron benchmark uses, so parse and next-occurrence figures line up.</summary>
internal static class CronExpressions
{
    public static readonly string[] Typical =
    [
        "*/15 * * * *",
        "0 9 * * mon-fri",
        "30 4 1,15 * 5",
        "0 0 L * *",
        "@daily",
    ];
}
