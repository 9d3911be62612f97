using System.Threading.Channels;

namespace Kron.Engine;

/// <summary>
/// Wake-ups between the API and the engine's loops: a new or changed job may be due soon (trigger), runs became ready
/// or executor slots freed up (dispatcher). A signal only cuts latency; every loop also wakes on its own interval, so a
/// lost signal delays nothing beyond that interval.
/// </summary>
public sealed class EngineSignals
{
    private readonly Channel<bool> _trigger = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private TaskCompletionSource _queues = NewPulse();
    private readonly Channel<bool> _dispatch = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<bool> _prepared = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private readonly Lock _changesGate = new();
    private bool _everyShardChanged;
    private HashSet<int>? _changedShards;

    /// <summary>Jobs changed, of any shard: the trigger looks again now, at every shard it owns.</summary>
    public void WakeTrigger()
    {
        lock (_changesGate)
        {
            _everyShardChanged = true;
            _changedShards = null;
        }

        _trigger.Writer.TryWrite(true);
    }

    /// <summary>A job of <paramref name="shard"/> was created or changed: the trigger looks again now, at that shard.</summary>
    public void WakeTrigger(int shard)
    {
        lock (_changesGate)
        {
            if (!_everyShardChanged)
            {
                (_changedShards ??= []).Add(shard);
            }
        }

        _trigger.Writer.TryWrite(true);
    }

    /// <summary>
    /// What <see cref="WakeTrigger()"/> and <see cref="WakeTrigger(int)"/> reported since the last call of this; clears
    /// it. Taken before the trigger reads the table, so a change committed after the read is seen by the next pass.
    /// </summary>
    internal JobChanges TakeJobChanges()
    {
        lock (_changesGate)
        {
            var changes = _everyShardChanged ? JobChanges.EveryShard : _changedShards is { } shards ? new JobChanges(false, shards) : JobChanges.None;
            _everyShardChanged = false;
            _changedShards = null;
            return changes;
        }
    }

    /// <summary>Runs are ready or slots freed up: the dispatcher claims now.</summary>
    public void WakeDispatcher()
    {
        _dispatch.Writer.TryWrite(true);
        WakeQueues();
    }

    /// <summary>Runs were prepared ahead of their slot, or a slot freed while prepared runs wait: the starter looks again.</summary>
    internal void WakePrepared() => _prepared.Writer.TryWrite(true);

    /// <summary>
    /// Runs may have become ready in a queue: every worker long-poll waiting on this node looks again. (Called with
    /// every <see cref="WakeDispatcher"/>, since both mean "runs became ready".)
    /// </summary>
    public void WakeQueues() => Interlocked.Exchange(ref _queues, NewPulse()).TrySetResult();

    /// <summary>Completes at the next <see cref="WakeQueues"/>; take it before looking, so a wake-up in between is not missed.</summary>
    internal Task NextQueueWake => Volatile.Read(ref _queues).Task;

    private static TaskCompletionSource NewPulse() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task WaitForTriggerAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        WaitAsync(_trigger.Reader, timeout, time, cancellationToken);

    internal Task WaitForDispatchAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        WaitAsync(_dispatch.Reader, timeout, time, cancellationToken);

    internal Task WaitForPreparedAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken) =>
        WaitAsync(_prepared.Reader, timeout, time, cancellationToken);

    private static async Task WaitAsync(ChannelReader<bool> reader, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (reader.TryRead(out _) || timeout <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            await reader.ReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested || cancellationToken.IsCancellationRequested)
        {
            // The interval passed with no signal: look anyway. Or the loop is stopping: it sees its token and ends
            // normally (an exception here would skip what the loop does after it, such as a graceful stop).
        }
    }
}

/// <summary>Jobs changed since the trigger last looked: of every shard, or of these shards (none when empty).</summary>
internal sealed record JobChanges(bool Every, IReadOnlySet<int> Shards)
{
    public static readonly JobChanges None = new(false, new HashSet<int>());

    public static readonly JobChanges EveryShard = new(true, new HashSet<int>());
}
