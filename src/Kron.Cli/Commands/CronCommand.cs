using System.CommandLine;
using Kron.Core.Cron;
using Kron.Core.Time;

namespace Kron.Cli.Commands;

/// <summary><c>kron cron</c>: local tools for cron expressions.</summary>
internal static class CronCommand
{
    public const int DefaultCount = 5;
    public const int MaxCount = 100_000;

    public static Command Build(CliConsole console, TimeProvider time)
    {
        var cron = new Command("cron", "Work with cron expressions locally (no server needed).");
        cron.Add(BuildNext(console, time));
        return cron;
    }

    private static Command BuildNext(CliConsole console, TimeProvider time)
    {
        var expression = new Argument<string>("expression")
        {
            Description = "Five fields 'minute hour day-of-month month day-of-week' or a macro such as @daily. Quote it.",
        };
        var zone = new Option<string>("--tz") { Description = "IANA time zone the fields are matched in.", DefaultValueFactory = _ => "UTC" };
        var after = new Option<string?>("--after") { Description = "Start instant (exclusive), RFC 3339 with an offset, such as 2025-03-08T12:00:00-05:00. Default: now." };
        var count = new Option<int>("--count", "-n") { Description = $"How many occurrences to print (1-{MaxCount}).", DefaultValueFactory = _ => DefaultCount };
        var seed = new Option<string?>("--seed") { Description = "The job identity that H fields hash, such as the job id or key." };

        var next = new Command(
            "next",
            "Print the next occurrences, one RFC 3339 instant per line with the zone's offset at that instant, " +
            "or 'never' if the expression can never fire.")
        {
            expression, zone, after, count, seed,
        };
        next.SetAction(parseResult => PrintNext(
            console,
            time,
            parseResult.GetRequiredValue(expression),
            parseResult.GetRequiredValue(zone),
            parseResult.GetValue(after),
            parseResult.GetValue(count),
            parseResult.GetValue(seed)));
        return next;
    }

    private static int PrintNext(CliConsole console, TimeProvider time, string text, string zoneName, string? afterText, int count, string? seed)
    {
        if (!CronExpression.TryParse(text, seed, out var expression, out var parseError))
        {
            return Fail(console, parseError.Message);
        }

        if (!TimeZones.TryFind(zoneName, out var zone, out var zoneError))
        {
            return Fail(console, zoneError);
        }

        var start = time.GetUtcNow();
        if (afterText is not null && !Rfc3339.TryParse(afterText, out start, out var instantError))
        {
            return Fail(console, $"--after: {instantError}");
        }

        if (count is < 1 or > MaxCount)
        {
            return Fail(console, $"--count must be between 1 and {MaxCount}, not {count}");
        }

        var printed = 0;
        for (var next = expression.GetNextOccurrence(start, zone); next is { } n && printed < count; next = expression.GetNextOccurrence(n, zone))
        {
            console.Out.WriteLine(Rfc3339.Format(n));
            printed++;
        }

        if (printed == 0)
        {
            console.Out.WriteLine("never");
        }

        return ExitCodes.Ok;
    }

    private static int Fail(CliConsole console, string message)
    {
        console.Error.WriteLine($"kron: {message}");
        return ExitCodes.InvalidInput;
    }
}
