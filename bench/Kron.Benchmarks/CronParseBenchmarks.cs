using BenchmarkDotNet.Attributes;
using Kron.Core.Cron;

namespace Kron.Benchmarks;

/// <summary>Parsing typical expressions: the cost paid once per job definition load.</summary>
[MemoryDiagnoser]
[Config(typeof(BenchConfig))]
public class CronParseBenchmarks
{
    [ParamsSource(nameof(Expressions))]
    public string Expression { get; set; } = "";

    public static IEnumerable<string> Expressions => CronExpressions.Typical;

    [Benchmark]
    public CronExpression Parse() => CronExpression.Parse(Expression);
}
