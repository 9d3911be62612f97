using BenchmarkDotNet.Running;

namespace Kron.Benchmarks;

/// <summary>Entry point: <c>dotnet run -c Release --project bench/Kron.Benchmarks -- --filter '*' --job short</c>.</summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
