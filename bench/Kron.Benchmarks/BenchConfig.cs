using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Reports;

namespace Kron.Benchmarks;

/// <summary>
/// Shared summary settings: the median next to the mean (the targets are medians, and this 2-core machine is shared,
/// so the median is the robust figure), and parameter text wide enough for the case names.
/// The job itself comes from the command line (<c>--job short</c> and friends), see <c>docs/benchmarks.md</c>.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddColumn(StatisticColumn.Median, StatisticColumn.P95);
        SummaryStyle = SummaryStyle.Default.WithMaxParameterColumnWidth(64);
    }
}
