using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Kron.QuartzPeer;

/// <summary>Lag percentiles in milliseconds (nearest rank, as <c>kron bench</c> computes them).</summary>
internal sealed record LagSummary(double P50, double P90, double P99, double Max)
{
    public static LagSummary Of(List<double> lagsMs)
    {
        if (lagsMs.Count == 0)
        {
            return new LagSummary(0, 0, 0, 0);
        }

        lagsMs.Sort();
        return new LagSummary(At(0.50), At(0.90), At(0.99), lagsMs[^1]);

        double At(double p) => lagsMs[Math.Max(0, (int)Math.Ceiling(p * lagsMs.Count) - 1)];
    }
}

/// <summary>
/// The figures of one peer run. <see cref="ToJson"/> writes exactly the keys bench/side-by-side.sh reads (the same as
/// <c>kron bench --json</c>); the table adds what explains them.
/// </summary>
internal sealed record PeerReport
{
    public required PeerSettings Settings { get; init; }

    public required int Jobs { get; init; }

    public required double RegistrationPerS { get; init; }

    /// <summary>Jobs started / (last first start - T0); for W2 over at least the slots' span.</summary>
    public required double ThroughputPerS { get; init; }

    public required double DrainSeconds { get; init; }

    /// <summary>Lag of the jobs that started (first start - registered slot).</summary>
    public required LagSummary LagMs { get; init; }

    /// <summary>p99 when each job that never started counts with the lag it had when the run stopped (a lower bound).</summary>
    public required double LagP99WithUnstartedMs { get; init; }

    public required int ExecutedZero { get; init; }

    public required int ExecutedMultiple { get; init; }

    public required int Rescheduled { get; init; }

    public required TimeSpan Lead { get; init; }

    public required bool RegisteredAfterT0 { get; init; }

    public required bool TimedOut { get; init; }

    public required double? PeakRssMib { get; init; }

    public static PeerReport Summarize(
        PeerSettings settings,
        FireRecorder recorder,
        long[] slotTicks,
        DateTimeOffset t0,
        double registrationSeconds,
        TimeSpan lead,
        bool registeredAfterT0,
        bool timedOut,
        DateTimeOffset stoppedAt)
    {
        var lags = new List<double>(slotTicks.Length);
        var withUnstarted = new List<double>(slotTicks.Length);
        int zero = 0, multiple = 0;
        long lastStart = t0.UtcTicks;
        for (var i = 0; i < slotTicks.Length; i++)
        {
            var count = recorder.CountOf(i);
            if (count == 0)
            {
                zero++;
                withUnstarted.Add(TimeSpan.FromTicks(stoppedAt.UtcTicks - slotTicks[i]).TotalMilliseconds);
                continue;
            }

            multiple += count > 1 ? 1 : 0;
            var start = recorder.FirstStartTicksOf(i);
            lastStart = Math.Max(lastStart, start);
            lags.Add(TimeSpan.FromTicks(start - slotTicks[i]).TotalMilliseconds);
        }

        withUnstarted.AddRange(lags);
        var drain = TimeSpan.FromTicks(Math.Max(lastStart - t0.UtcTicks, TimeSpan.TicksPerMillisecond));
        var span = settings.Workload == "w1" ? drain : TimeSpan.FromTicks(Math.Max(drain.Ticks, slotTicks[^1] - t0.UtcTicks + TimeSpan.TicksPerMillisecond));
        return new PeerReport
        {
            Settings = settings,
            Jobs = slotTicks.Length,
            RegistrationPerS = Math.Round(slotTicks.Length / Math.Max(registrationSeconds, 1e-6), 1),
            ThroughputPerS = Math.Round(lags.Count / span.TotalSeconds, 1),
            DrainSeconds = Math.Round(drain.TotalSeconds, 3),
            LagMs = LagSummary.Of(lags),
            LagP99WithUnstartedMs = LagSummary.Of(withUnstarted).P99,
            ExecutedZero = zero,
            ExecutedMultiple = multiple,
            Rescheduled = recorder.Rescheduled,
            Lead = lead,
            RegisteredAfterT0 = registeredAfterT0,
            TimedOut = timedOut,
            PeakRssMib = ReadPeakRssMib(),
        };
    }

    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteString("workload", Settings.Workload);
            json.WriteString("store", Settings.StoreName);
            json.WriteNumber("jobs", Jobs);
            if (Settings.Workload == "w1")
            {
                json.WriteNull("rate");
            }
            else
            {
                json.WriteNumber("rate", Settings.Rate);
            }

            json.WriteNumber("registration_per_s", RegistrationPerS);
            json.WriteNumber("throughput_per_s", ThroughputPerS);
            json.WriteStartObject("lag_ms");
            json.WriteNumber("p50", Math.Round(LagMs.P50, 3));
            json.WriteNumber("p90", Math.Round(LagMs.P90, 3));
            json.WriteNumber("p99", Math.Round(LagMs.P99, 3));
            json.WriteNumber("max", Math.Round(LagMs.Max, 3));
            json.WriteEndObject();
            json.WriteNumber("executed_zero", ExecutedZero);
            json.WriteNumber("executed_multiple", ExecutedMultiple);
            if (PeakRssMib is { } rss)
            {
                json.WriteNumber("peak_rss_mib", rss);
            }
            else
            {
                json.WriteNull("peak_rss_mib");
            }

            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    public void WriteTable(TextWriter writer)
    {
        var rows = new List<(string Figure, string Value)>
        {
            ("workload", $"{Settings.Workload} on {Settings.StoreName}, threads {Settings.Threads?.ToString(CultureInfo.InvariantCulture) ?? "default"}"),
            ("jobs", Jobs.ToString("N0", CultureInfo.InvariantCulture) + (Settings.Workload == "w2" ? $" at {Settings.Rate:N0}/s for {Settings.Duration.TotalSeconds:N0} s" : string.Empty)),
            ("registration", $"{RegistrationPerS:N0} jobs/s (lead {Lead.TotalSeconds:N0} s{(RegisteredAfterT0 ? ", ended after T0" : string.Empty)})"),
            ("drain throughput", $"{ThroughputPerS:N0} runs/s ({DrainSeconds:N2} s from T0 to the last start)"),
            ("lag p50 / p90 / p99 / max", $"{Ms(LagMs.P50)} / {Ms(LagMs.P90)} / {Ms(LagMs.P99)} / {Ms(LagMs.Max)}"),
            ("executed 0 times", ExecutedZero.ToString(CultureInfo.InvariantCulture) + (TimedOut ? $" (not started {Settings.MaxWait.TotalSeconds:N0} s after the last slot; lag above is of the jobs that ran, p99 counting the others at their lag when stopped >= {Ms(LagP99WithUnstartedMs)})" : string.Empty)),
            ("executed more than once", ExecutedMultiple.ToString(CultureInfo.InvariantCulture)),
            ("ScheduledFireTimeUtc not the slot", Rescheduled.ToString(CultureInfo.InvariantCulture)),
            ("peak RSS (this process)", PeakRssMib is { } rss ? $"{rss:N0} MiB" : "unknown"),
        };
        var width = rows.Max(r => r.Figure.Length);
        foreach (var (figure, value) in rows)
        {
            writer.WriteLine($"{figure.PadRight(width)}  {value}");
        }
    }

    private static string Ms(double ms) => ms < 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{ms:N1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:N1} s");

    /// <summary>VmHWM of /proc/self/status in MiB, or null where there is no /proc.</summary>
    private static double? ReadPeakRssMib()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    var kib = long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture);
                    return Math.Round(kib / 1024.0, 1);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }
}
