using BenchmarkDotNet.Running;

namespace Kron.Benchmarks;

/// <summary>
/// Entry point: <c>dotnet run -c Release --project bench/Kron.Benchmarks -- --filter '*' --job short</c>; also
/// <c>hotpath-loop N</c> and <c>alloc-report FILE.nettrace [TOP]</c> (<see cref="AllocationReport"/>).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        switch (args)
        {
            case ["hotpath-loop", var operations]:
                AllocationReport.Loop(int.Parse(operations, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case ["alloc-report", var file, ..]:
                AllocationReport.Print(file, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 30);
                break;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                break;
        }
    }
}
