using System.Diagnostics;
using Quartz;

namespace Kron.QuartzPeer;

/// <summary>
/// One workload against one Quartz.NET scheduler: start it, register every job (one JobDetail and one one-shot
/// SimpleTrigger each) before T0, wait until every job started or <see cref="PeerSettings.MaxWait"/> after the last
/// slot passed, then summarize.
/// </summary>
internal sealed class WorkloadRunner(PeerSettings settings, TextWriter progress, TimeProvider time)
{
    private const string Group = "bench";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    // After the last job started, how long to keep counting fires: a second start of a job would land here.
    private static readonly TimeSpan DuplicateWatch = TimeSpan.FromSeconds(2);

    public async Task<PeerReport> RunAsync(CancellationToken cancellationToken)
    {
        if (settings.Store == "postgres")
        {
            var tables = await PostgresSchema.ClearAsync(settings.Connection!, cancellationToken).ConfigureAwait(false);
            progress.WriteLine(tables == 0 ? "No Quartz tables yet: Quartz creates them (ProvisionSchema)." : $"{tables} Quartz tables emptied.");
        }

        var count = settings.JobCount;
        var slotTicks = new long[count];
        var recorder = new FireRecorder(slotTicks, time);
        var scheduler = await PeerScheduler.BuildAsync(settings, new NoopJobFactory(new NoopJob(recorder)), cancellationToken).ConfigureAwait(false);
        try
        {
            await scheduler.Start(cancellationToken).ConfigureAwait(false);
            var lead = settings.Lead ?? await PickLeadAsync(scheduler, count, cancellationToken).ConfigureAwait(false);
            var t0 = WholeSecondAfter(time.GetUtcNow() + lead);
            for (var i = 0; i < count; i++)
            {
                slotTicks[i] = settings.SlotOf(t0, i).UtcTicks;
            }

            progress.WriteLine($"Registering {count:N0} jobs on {settings.StoreName}, T0 = {t0:HH:mm:ss} UTC (in {(t0 - time.GetUtcNow()).TotalSeconds:N0} s)...");
            var registrationSeconds = await RegisterAsync(scheduler, slotTicks, "j", cancellationToken).ConfigureAwait(false);
            var registeredAfterT0 = time.GetUtcNow() > t0;
            if (registeredAfterT0)
            {
                progress.WriteLine("warning: registration ended after T0; runs started while jobs were still being registered (use --lead)");
            }

            var lastSlot = new DateTimeOffset(slotTicks[^1], TimeSpan.Zero);
            var timedOut = await WaitForRunsAsync(recorder, count, lastSlot + settings.MaxWait, cancellationToken).ConfigureAwait(false);
            var stoppedAt = time.GetUtcNow();
            return PeerReport.Summarize(settings, recorder, slotTicks, t0, registrationSeconds, lead, registeredAfterT0, timedOut, stoppedAt);
        }
        finally
        {
            await scheduler.Shutdown(waitForJobsToComplete: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// T0 leaves time to register every job first: W1 at least 15 s (BENCHMARKS.md), W2 at least 10 s, and 10 s plus
    /// 1.25 times the registration time measured on a probe of jobs a year ahead (removed again).
    /// </summary>
    private async Task<TimeSpan> PickLeadAsync(IScheduler scheduler, int count, CancellationToken cancellationToken)
    {
        var probe = new long[Math.Min(count, 2 * settings.RegistrationBatch)];
        Array.Fill(probe, WholeSecondAfter(time.GetUtcNow() + TimeSpan.FromDays(365)).UtcTicks);
        var seconds = await RegisterAsync(scheduler, probe, "probe", cancellationToken).ConfigureAwait(false);
        await scheduler.Clear(cancellationToken).ConfigureAwait(false);
        var perSecond = probe.Length / Math.Max(seconds, 1e-6);
        var needed = TimeSpan.FromSeconds(10 + (1.25 * count / perSecond));
        var minimum = TimeSpan.FromSeconds(settings.Workload == "w1" ? 15 : 10);
        progress.WriteLine($"Registration probe: {perSecond:N0} jobs/s; lead {(needed > minimum ? needed : minimum).TotalSeconds:N0} s.");
        return needed > minimum ? needed : minimum;
    }

    /// <summary>Registers job <c>{prefix}{i}</c> with a one-shot SimpleTrigger at slot i, in batches; returns the seconds it took.</summary>
    private async Task<double> RegisterAsync(IScheduler scheduler, long[] slotTicks, string prefix, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var batch = new Dictionary<IJobDetail, IReadOnlyCollection<ITrigger>>(settings.RegistrationBatch);
        for (var i = 0; i < slotTicks.Length; i++)
        {
            var job = JobBuilder.Create<NoopJob>().WithIdentity($"{prefix}{i}", Group).Build();
            var trigger = TriggerBuilder.Create(time)
                .WithIdentity($"{prefix}{i}", Group)
                .ForJob(job)
                .StartAt(new DateTimeOffset(slotTicks[i], TimeSpan.Zero))
                .WithSchedule(SimpleScheduleBuilder.Create().WithRepeatCount(0))
                .Build();
            batch.Add(job, [trigger]);
            if (batch.Count == settings.RegistrationBatch || i == slotTicks.Length - 1)
            {
                await scheduler.ScheduleJobs(batch, default, cancellationToken).ConfigureAwait(false);
                batch.Clear();
            }
        }

        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>Waits until every job started (then watches for doubles) or the deadline; true if it gave up at the deadline.</summary>
    private async Task<bool> WaitForRunsAsync(FireRecorder recorder, int count, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var nextProgress = time.GetUtcNow() + ProgressInterval;
        while (recorder.Started < count)
        {
            var now = time.GetUtcNow();
            if (now >= deadline)
            {
                progress.WriteLine($"Gave up --max-wait ({settings.MaxWait.TotalSeconds:N0} s) after the last slot: {recorder.Started:N0} of {count:N0} jobs started.");
                return true;
            }

            if (now >= nextProgress)
            {
                progress.WriteLine($"  {recorder.Started:N0} of {count:N0} jobs started");
                nextProgress = now + ProgressInterval;
            }

            await Task.Delay(PollInterval, time, cancellationToken).ConfigureAwait(false);
        }

        await Task.Delay(DuplicateWatch, time, cancellationToken).ConfigureAwait(false);
        return false;
    }

    private static DateTimeOffset WholeSecondAfter(DateTimeOffset instant) =>
        new(((instant.UtcTicks / TimeSpan.TicksPerSecond) + 1) * TimeSpan.TicksPerSecond, TimeSpan.Zero);
}
