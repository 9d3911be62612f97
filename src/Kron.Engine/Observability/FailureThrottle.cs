using Microsoft.Extensions.Logging;

namespace Kron.Engine.Observability;

/// <summary>
/// Keeps a loop's error lines to what an operator needs during an outage: the first failure (with its exception), then
/// at most one per <see cref="Interval"/> while it lasts, and one line when it ends. A loop that polls every 50 ms
/// would otherwise write a stack trace 20 times a second while the database is down. Not thread-safe: one per loop.
/// </summary>
public sealed class FailureThrottle(TimeProvider time)
{
    /// <summary>How often a lasting failure is logged again.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    private long? _lastLogged;
    private int _failures;

    /// <summary>Counts a failure; true when it should be logged.</summary>
    public bool Failed()
    {
        _failures++;
        if (_lastLogged is { } last && time.GetElapsedTime(last) < Interval)
        {
            return false;
        }

        _lastLogged = time.GetTimestamp();
        return true;
    }

    /// <summary>After a success: how many failures in a row ended now (0 when there were none).</summary>
    public int Succeeded()
    {
        var failures = _failures;
        _failures = 0;
        _lastLogged = null;
        return failures;
    }
}

/// <summary>The line that ends an outage of a loop (its failures were throttled by <see cref="FailureThrottle"/>).</summary>
public static partial class OutageLog
{
    /// <summary>Logs that <paramref name="loop"/> works again, when it had failed.</summary>
    public static void Recovered(ILogger logger, FailureThrottle throttle, string loop)
    {
        ArgumentNullException.ThrowIfNull(throttle);
        if (throttle.Succeeded() is var failures and > 0)
        {
            LogRecovered(logger, loop, failures);
        }
    }

    [LoggerMessage(EventId = 1801, Level = LogLevel.Information, Message = "{Loop} works again after {Failures} failed attempts")]
    private static partial void LogRecovered(ILogger logger, string loop, int failures);
}
