namespace Kron.Testing;

/// <summary>
/// A <see cref="TimeProvider"/> whose clock moves only when a test says so. Hand-written because
/// Microsoft.Extensions.TimeProvider.Testing is not in the package registry here.
/// </summary>
/// <remarks>
/// Timers (<c>Task.Delay(d, provider)</c>, <c>new CancellationTokenSource(d, provider)</c>) follow the real clock by
/// default, so a node started with a manual clock still polls. With <see cref="ManualTimers"/> they follow this clock
/// instead: a timer fires when <see cref="Advance"/> or <see cref="SetUtcNow"/> moves the clock to or past its due
/// time. Callbacks run on the thread pool, as real timer callbacks do, so a test waits for their effect (for example
/// with <c>RunDispatcher.DrainAsync</c>) rather than assuming it happened when <see cref="Advance"/> returned.
/// </remarks>
public sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _gate = new();
    private readonly List<ManualTimer> _timers = [];
    private DateTimeOffset _now = start;

    /// <summary>Timers fire when this clock reaches their due time, not the real one.</summary>
    public bool ManualTimers { get; init; }

    /// <summary>Manual timers that are waiting to fire.</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count(t => t.DueAt is not null);
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_gate)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(by, TimeSpan.Zero);
        lock (_gate)
        {
            _now += by;
        }

        FireDue();
    }

    public void SetUtcNow(DateTimeOffset now)
    {
        lock (_gate)
        {
            _now = now;
        }

        FireDue();
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (!ManualTimers)
        {
            return base.CreateTimer(callback, state, dueTime, period);
        }

        var timer = new ManualTimer(this, callback, state);
        lock (_gate)
        {
            _timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    private void FireDue()
    {
        while (true)
        {
            ManualTimer? due;
            lock (_gate)
            {
                due = _timers.Where(t => t.DueAt <= _now).MinBy(t => t.DueAt);
                if (due is null)
                {
                    return;
                }

                // A periodic timer is due again one period later; a one-shot timer is spent.
                due.DueAt = due.Period > TimeSpan.Zero ? due.DueAt + due.Period : null;
            }

            ThreadPool.QueueUserWorkItem(static t => t.Callback(t.State), due, preferLocal: false);
        }
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public TimerCallback Callback { get; } = callback;

        public object? State { get; } = state;

        /// <summary>Null when stopped. Guarded by the owner's lock.</summary>
        public DateTimeOffset? DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner._gate)
            {
                if (!owner._timers.Contains(this))
                {
                    return false;
                }

                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner._now + dueTime;
                Period = period == Timeout.InfiniteTimeSpan ? TimeSpan.Zero : period;
            }

            owner.FireDue();
            return true;
        }

        public void Dispose()
        {
            lock (owner._gate)
            {
                owner._timers.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
