namespace Kron.Cli;

/// <summary>Where a command writes: standard output for results, standard error for one-line errors.</summary>
internal sealed record CliConsole(TextWriter Out, TextWriter Error);
