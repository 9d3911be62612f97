using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Kron.Cli.Output;

namespace Kron.Cli.Bench;

/// <summary>Lag percentiles in milliseconds (actual start - scheduled instant).</summary>
internal sealed record LagSummary(double P50, double P90, double P99, double Max, int Count)
{
    public static LagSummary Of(List<double> lagsMs)
    {
        if (lagsMs.Count == 0)
        {
            return new LagSummary(0, 0, 0, 0, 0);
        }

        lagsMs.Sort();
        return new LagSummary(At(0.50), At(0.90), At(0.99), lagsMs[^1], lagsMs.Count);

        // Nearest-rank percentile.
        double At(double p) => lagsMs[Math.Max(0, (int)Math.Ceiling(p * lagsMs.Count) - 1)];
    }
}

/// <summary>One group of runs reported on its own: a W3 minute boundary, or the failover's runs due after the kill.</summary>
internal sealed record BenchSegment(string Name, LagSummary LagMs, int Missing, int Duplicates);

/// <summary>
/// The figures of one benchmark run. The JSON keys named in issue 6 (<c>workload</c> ... <c>peak_rss_mib</c>) are the
/// contract scripts read; the others are extra detail.
/// </summary>
internal sealed record BenchReport
{
    public required string Workload { get; init; }

    public required string Store { get; init; }

    public required int Jobs { get; init; }

    public double? Rate { get; init; }

    public int Nodes { get; init; }

    public long StoredJobs { get; init; }

    public double RegistrationPerS { get; init; }

    public double ThroughputPerS { get; init; }

    public double DrainSeconds { get; init; }

    public required LagSummary LagMs { get; init; }

    public int ExecutedZero { get; init; }

    public int ExecutedMultiple { get; init; }

    public double? PeakRssMib { get; init; }

    public double? NodeCpuSeconds { get; init; }

    /// <summary>Node CPU over the measured window, in percent of one core (200 % = both cores of a 2-core machine).</summary>
    public double? NodeCpuPercent { get; init; }

    /// <summary>Node CPU time per 1,000 runs started: the capacity-planning figure.</summary>
    public double? NodeCpuMsPerThousandRuns => NodeCpuSeconds is { } cpu && LagMs.Count > 0 ? Math.Round(cpu * 1_000_000 / LagMs.Count, 0) : null;

    /// <summary>CPU time of the PostgreSQL server's processes over the window, when it runs on this machine.</summary>
    public double? DatabaseCpuSeconds { get; init; }

    /// <summary>WAL bytes PostgreSQL wrote per run started, over the window.</summary>
    public double? WalBytesPerRun { get; init; }

    /// <summary>Scale: how much the store grew per stored job (tables, indexes, and SQLite's WAL file).</summary>
    public double? StoreBytesPerStoredJob { get; init; }

    /// <summary>W1, W2: how much the store grew per one-time job with its finished run (W2 includes 5,000 calibration jobs).</summary>
    public double? StoreBytesPerJobAndRun { get; init; }

    public double? TakeoverSeconds { get; init; }

    public IReadOnlyList<BenchSegment> Segments { get; init; } = [];

    public required DateTimeOffset StartedAt { get; init; }

    public string Machine { get; init; } = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public void WriteTable(TextWriter writer)
    {
        var table = new TextTable("figure", "value");
        table.AddRow("workload", $"{Workload} on {Store}, {Nodes} node(s)");
        table.AddRow("jobs", Jobs.ToString("N0", CultureInfo.InvariantCulture) + (Rate is { } r ? $" at {r:N0}/s" : string.Empty));
        if (StoredJobs > 0)
        {
            table.AddRow("other jobs stored", StoredJobs.ToString("N0", CultureInfo.InvariantCulture));
        }

        table.AddRow("registration", $"{RegistrationPerS:N0} jobs/s");
        table.AddRow("drain throughput", $"{ThroughputPerS:N0} runs/s ({DrainSeconds:N2} s from the first slot to the last start)");
        table.AddRow("lag p50 / p90 / p99 / max", $"{Ms(LagMs.P50)} / {Ms(LagMs.P90)} / {Ms(LagMs.P99)} / {Ms(LagMs.Max)}");
        table.AddRow("executed 0 times", ExecutedZero.ToString(CultureInfo.InvariantCulture));
        table.AddRow("executed more than once", ExecutedMultiple.ToString(CultureInfo.InvariantCulture));
        if (StoreBytesPerJobAndRun is { } perJobAndRun)
        {
            table.AddRow("store growth per job + its run", $"{perJobAndRun:N0} bytes");
        }

        if (StoreBytesPerStoredJob is { } perJob)
        {
            table.AddRow("store size per stored job", $"{perJob:N0} bytes");
        }

        if (TakeoverSeconds is { } takeover)
        {
            table.AddRow("takeover after the kill", $"{takeover:N1} s");
        }

        table.AddRow("node CPU", NodeCpuSeconds is { } cpu ? $"{cpu:N1} s ({NodeCpuPercent:N0} % of one core; {NodeCpuMsPerThousandRuns:N0} ms per 1,000 runs)" : null);
        table.AddRow("node peak memory", PeakRssMib is { } rss ? $"{rss:N0} MiB" : null);
        if (DatabaseCpuSeconds is { } dbCpu)
        {
            table.AddRow("PostgreSQL CPU (local)", $"{dbCpu:N1} s ({(LagMs.Count > 0 ? dbCpu * 1_000_000 / LagMs.Count : 0):N0} ms per 1,000 runs)");
        }

        if (WalBytesPerRun is { } wal)
        {
            table.AddRow("PostgreSQL WAL", $"{wal:N0} bytes per run");
        }
        foreach (var segment in Segments)
        {
            table.AddRow(
                segment.Name,
                $"lag p50 {Ms(segment.LagMs.P50)}, p99 {Ms(segment.LagMs.P99)}, max {Ms(segment.LagMs.Max)}; missing {segment.Missing}, doubled {segment.Duplicates}");
        }

        table.Write(writer);
    }

    private static string Ms(double ms) => ms < 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{ms:N1} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:N1} s");
}
