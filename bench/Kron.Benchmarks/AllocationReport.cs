using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.Tracing.Etlx;

namespace Kron.Benchmarks;

/// <summary>
/// Where the hot path's bytes are allocated: <c>hotpath-loop N</c> runs <see cref="HotPathBenchmarks.FireClaimExecuteComplete"/>
/// N times (1,000 runs each) so that <c>dotnet-trace collect --profile gc-verbose --providers Kron-Bench:0xFFFFFFFFFFFFFFFF:5</c> can
/// record the runtime's allocation ticks (one sample about every 100 KB, with its stack), and
/// <c>alloc-report FILE.nettrace</c> sums the samples by type and by the Kron method that allocated (the first
/// <c>Kron.</c> frame of the stack). The jobs are all inserted first; only the samples between the
/// <see cref="BenchEvents"/> markers, around the operations, are counted. The reading of the trace is TraceEvent's,
/// the library PerfView is built on; this only sums. Method: docs/benchmarks.md.
/// </summary>
public static class AllocationReport
{
    public static void Loop(int operations)
    {
        using var bench = new HotPathBenchmarks();
        bench.Setup();
        for (var i = 0; i < operations; i++)
        {
            bench.AddDueJobs();
        }

        bench.FireClaimExecuteComplete().GetAwaiter().GetResult();
        BenchEvents.Log.Measure(start: true);
        var runs = 0;
        for (var i = 1; i < operations; i++)
        {
            runs += bench.FireClaimExecuteComplete().GetAwaiter().GetResult();
        }

        BenchEvents.Log.Measure(start: false);
        Console.WriteLine($"{runs:N0} runs measured (after 1 operation of warm-up)");
    }

    public static void Print(string nettrace, int top)
    {
        var etlx = TraceLog.CreateFromEventPipeDataFile(nettrace);
        using var log = new TraceLog(etlx);
        var source = log.Events.GetSource();
        var byType = new Dictionary<string, long>(StringComparer.Ordinal);
        var bySite = new Dictionary<string, long>(StringComparer.Ordinal);
        var byTypeAndSite = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        long outside = 0;
        var measuring = false;
        source.Dynamic.All += e =>
        {
            if (e.ProviderName == BenchEvents.SourceName)
            {
                measuring = e.PayloadByName("start") is true;
            }
        };
        source.Clr.GCAllocationTick += e =>
        {
            if (!measuring)
            {
                outside += e.AllocationAmount64;
                return;
            }

            var site = "(no Kron frame)";
            var frames = new List<string>();
            for (var frame = e.CallStack(); frame is not null; frame = frame.Caller)
            {
                frames.Add(frame.CodeAddress.FullMethodName ?? "?");
            }

            var kron = frames.FindIndex(f => f.StartsWith("Kron.", StringComparison.Ordinal) && !f.StartsWith("Kron.Benchmarks", StringComparison.Ordinal));
            if (kron >= 0)
            {
                site = frames[kron];
                if (kron > 0)
                {
                    site += "  <-  " + frames[kron - 1];
                }
            }

            var type = e.TypeName ?? "?";
            total += e.AllocationAmount64;
            Add(byType, type, e.AllocationAmount64);
            Add(bySite, site, e.AllocationAmount64);
            Add(byTypeAndSite, type + "  @  " + site, e.AllocationAmount64);
        };
        source.Process();
        Console.WriteLine($"sampled {total / 1e6:N1} MB between the markers ({outside / 1e6:N1} MB outside them left out)");
        Show("by type", byType, total, top);
        Show("by Kron method (and what it called)", bySite, total, top);
        Show("by type and method", byTypeAndSite, total, top);
    }

    private static void Add(Dictionary<string, long> sums, string key, long amount) =>
        sums[key] = sums.GetValueOrDefault(key) + amount;

    private static void Show(string title, Dictionary<string, long> sums, long total, int top)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        foreach (var (key, amount) in sums.OrderByDescending(p => p.Value).Take(top))
        {
            Console.WriteLine($"  {100.0 * amount / total,5:N1} %  {key}");
        }
    }
}

/// <summary>The markers around the measured operations, read back from the trace by <see cref="AllocationReport"/>.</summary>
[EventSource(Name = SourceName)]
public sealed class BenchEvents : EventSource
{
    public const string SourceName = "Kron-Bench";

    public static readonly BenchEvents Log = new();

    [Event(1)]
    public void Measure(bool start) => WriteEvent(1, start);
}
