namespace Kron.Engine.Cluster;

/// <summary>
/// The node's clock set to the database's: wall-clock readings are the inner clock's plus the offset measured at
/// each heartbeat (the database's <c>now()</c> against the midpoint of the round trip). Timers and timestamps are the
/// inner clock's: durations do not depend on the offset. With this as the node's <see cref="TimeProvider"/>, a node
/// whose own clock is wrong by an hour still fires on time and writes instants that agree with its peers.
/// </summary>
public sealed class DatabaseClock(TimeProvider inner) : TimeProvider
{
    /// <summary>Samples whose round trip took longer say too little about the offset and are ignored.</summary>
    public static readonly TimeSpan MaxRoundTrip = TimeSpan.FromMilliseconds(250);

    private long _offsetTicks;

    /// <summary>Database time minus the inner clock, as last measured.</summary>
    public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + Offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);

    /// <summary>The inner clock's reading now (for measuring a round trip).</summary>
    public DateTimeOffset InnerNow() => inner.GetUtcNow();

    /// <summary>Records a sample: the database said <paramref name="databaseNow"/> between the two inner readings.</summary>
    public void Observe(DateTimeOffset databaseNow, DateTimeOffset sentAt, DateTimeOffset receivedAt)
    {
        var roundTrip = receivedAt - sentAt;
        if (roundTrip < TimeSpan.Zero || roundTrip > MaxRoundTrip)
        {
            return;
        }

        var offset = databaseNow - (sentAt + (roundTrip / 2));
        Interlocked.Exchange(ref _offsetTicks, offset.Ticks);
    }
}
