namespace Kron.Storage.Sqlite;

/// <summary>
/// Instants as INTEGER microseconds since the Unix epoch (UTC) and durations as INTEGER microseconds: the precision
/// PostgreSQL keeps, so both drivers return the same values. Sub-microsecond ticks are truncated (towards the past for
/// instants, towards zero for durations).
/// </summary>
internal static class Microseconds
{
    public static long FromInstant(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        var micros = ticks / TimeSpan.TicksPerMicrosecond;
        return ticks % TimeSpan.TicksPerMicrosecond < 0 ? micros - 1 : micros;
    }

    public static long? FromInstant(DateTimeOffset? instant) => instant is { } i ? FromInstant(i) : null;

    public static DateTimeOffset ToInstant(long micros) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + (micros * TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    public static long FromDuration(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMicrosecond;

    public static long? FromDuration(TimeSpan? duration) => duration is { } d ? FromDuration(d) : null;

    public static TimeSpan ToDuration(long micros) => TimeSpan.FromTicks(micros * TimeSpan.TicksPerMicrosecond);
}
