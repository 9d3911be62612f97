namespace Kron.Server.Jobs;

/// <summary>What a queue or worker name may be: short, printable, safe in a URL path and a log line.</summary>
internal static class QueueNames
{
    public const int MaxLength = 64;

    public const string Rule = "1-64 characters of letters, digits, '.', '_' and '-', starting with a letter or digit";

    public const string WorkerRule = "1-128 characters of letters, digits, '.', '_', '-' and ':'";

    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= MaxLength }
        && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    public static bool IsValidWorker(string? name) =>
        name is { Length: > 0 and <= 128 } && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':');
}
