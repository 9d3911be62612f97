namespace Kron.QuartzPeer;

/// <summary>What one peer run measures: a workload of BENCHMARKS.md on one Quartz.NET job store.</summary>
/// <param name="Workload"><c>w1</c> (burst: <see cref="Jobs"/> at one instant) or <c>w2</c> (steady: <see cref="Rate"/> per second for <see cref="Duration"/>).</param>
/// <param name="Store"><c>ram</c> (RAMJobStore) or <c>postgres</c> (AdoJobStore, clustered, on <see cref="Connection"/>).</param>
/// <param name="Connection">Npgsql connection string for <c>postgres</c>.</param>
/// <param name="Jobs">W1: jobs at T0.</param>
/// <param name="Rate">W2: jobs per second.</param>
/// <param name="Duration">W2: how long the slots last.</param>
/// <param name="Threads">Quartz's thread pool size; null keeps Quartz's default.</param>
/// <param name="Lead">Time from the start of registration to T0; null picks it (W1 15 s, longer when registration would not be done by then).</param>
/// <param name="MaxWait">How long after the last slot to wait for runs before reporting what ran.</param>
/// <param name="RegistrationBatch">Jobs per <c>IScheduler.ScheduleJobs</c> call.</param>
/// <param name="JsonFile">Where to write the JSON report, if anywhere.</param>
internal sealed record PeerSettings(
    string Workload,
    string Store,
    string? Connection,
    int Jobs,
    double Rate,
    TimeSpan Duration,
    int? Threads,
    TimeSpan? Lead,
    TimeSpan MaxWait,
    int RegistrationBatch,
    string? JsonFile)
{
    /// <summary>The store's name in the JSON report.</summary>
    public string StoreName => Store == "ram" ? "quartz-ram" : "quartz-postgres";

    /// <summary>Jobs the workload registers: W1 <see cref="Jobs"/>, W2 <see cref="Rate"/> x <see cref="Duration"/>.</summary>
    public int JobCount => Workload == "w1" ? Jobs : (int)Math.Round(Rate * Duration.TotalSeconds);

    /// <summary>The scheduled instant of job <paramref name="index"/>: all at T0 for W1, T0 + index/R for W2.</summary>
    public DateTimeOffset SlotOf(DateTimeOffset t0, int index) =>
        Workload == "w1" ? t0 : t0 + TimeSpan.FromTicks((long)Math.Round(index * TimeSpan.TicksPerSecond / Rate));
}
