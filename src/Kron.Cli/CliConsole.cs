namespace Kron.Cli;

/// <summary>Where a command writes: standard output for results, standard error for one-line errors.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error)
{
    /// <summary>Where <c>-</c> as a file name reads from (<c>--from-json -</c>); standard input unless a test says otherwise.</summary>
    public TextReader In { get; init; } = Console.In;
}
