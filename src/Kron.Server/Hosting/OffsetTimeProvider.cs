namespace Kron.Server.Hosting;

/// <summary>
/// A clock that is wrong by a fixed offset: set with <c>Kron:Clock:Offset</c> (env <c>Kron__Clock__Offset</c>) to
/// show that a cluster node with a bad system clock still behaves (its <see cref="Kron.Engine.Cluster.DatabaseClock"/>
/// corrects it). A test and demonstration hook; never needed in production.
/// </summary>
internal sealed class OffsetTimeProvider(TimeProvider inner, TimeSpan offset) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow() + offset;

    public override long GetTimestamp() => inner.GetTimestamp();

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        inner.CreateTimer(callback, state, dueTime, period);
}
