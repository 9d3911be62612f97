namespace Kron.QuartzPeer;

/// <summary>
/// Every fire of the workload's jobs, in memory: the first start of each job (wall clock, UTC ticks) and how many
/// times it started. Job <c>i</c> is named <c>j{i}</c>; its slot is known from registration.
/// </summary>
/// <remarks>
/// Lag is measured against the slot the job was registered for. That should be the trigger's
/// <c>ScheduledFireTimeUtc</c>, and Quartz 4.7.3 keeps it so even for a misfired trigger (misfire_orig_fire_time);
/// <see cref="Rescheduled"/> counts fires where it was not, as a check.
/// </remarks>
internal sealed class FireRecorder(long[] slotTicks, TimeProvider time)
{
    private readonly long[] firstStartTicks = new long[slotTicks.Length];
    private readonly int[] counts = new int[slotTicks.Length];
    private int started;
    private int rescheduled;

    /// <summary>Jobs that started at least once.</summary>
    public int Started => Volatile.Read(ref started);

    /// <summary>Fires whose <c>ScheduledFireTimeUtc</c> was not the registered slot.</summary>
    public int Rescheduled => Volatile.Read(ref rescheduled);

    public void Record(string jobName, DateTimeOffset? scheduledFireTimeUtc)
    {
        var now = time.GetUtcNow().UtcTicks;
        if (jobName.Length < 2 || jobName[0] != 'j' || !int.TryParse(jobName.AsSpan(1), out var index) || (uint)index >= (uint)counts.Length)
        {
            return;
        }

        if (scheduledFireTimeUtc?.UtcTicks != slotTicks[index])
        {
            Interlocked.Increment(ref rescheduled);
        }

        if (Interlocked.Increment(ref counts[index]) == 1)
        {
            Volatile.Write(ref firstStartTicks[index], now);
            Interlocked.Increment(ref started);
        }
    }

    /// <summary>How many times job <paramref name="index"/> started.</summary>
    public int CountOf(int index) => Volatile.Read(ref counts[index]);

    /// <summary>The first start of job <paramref name="index"/> (UTC ticks), 0 if it never started.</summary>
    public long FirstStartTicksOf(int index) => Volatile.Read(ref firstStartTicks[index]);
}
