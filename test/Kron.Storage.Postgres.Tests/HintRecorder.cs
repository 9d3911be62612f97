using System.Threading.Channels;

namespace Kron.Storage.Postgres.Tests;

/// <summary>Enumerates a driver's <see cref="IStorageHints.ListenAsync"/> in the background and hands out what arrives.</summary>
internal sealed class HintRecorder : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private readonly Channel<StorageHint> _hints = Channel.CreateUnbounded<StorageHint>();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _listening;
    private int _probe;

    public HintRecorder(IStorageHints driver) => _listening = Task.Run(async () =>
    {
        try
        {
            await foreach (var hint in driver.ListenAsync(_stop.Token))
            {
                _hints.Writer.TryWrite(hint);
            }
        }
        finally
        {
            _hints.Writer.TryComplete();
        }
    });

    /// <summary>The enumeration: it ends when the listener is cancelled or its driver disposed.</summary>
    public Task Listening => _listening;

    /// <summary>
    /// Waits until the listener hears <paramref name="writer"/>: LISTEN starts in the background, so keeps inserting
    /// jobs of probe shards (10000 and up) until one's hint arrives; then empties what came before.
    /// </summary>
    public async Task WaitUntilListeningAsync(IStorageDriver writer)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < Timeout)
        {
            var shard = 10_000 + Interlocked.Increment(ref _probe);
            await writer.InsertJobAsync(new InsertJobParams(PostgresDriverTests.Job(Guid.NewGuid().ToString("N"), shard)), CancellationToken.None);
            using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                while (true)
                {
                    if (await _hints.Reader.ReadAsync(wait.Token) == new StorageHint(StorageHintKind.JobChanged, shard))
                    {
                        return;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Not listening yet (or the probe's hint is still on its way): probe again.
            }
        }

        throw new TimeoutException($"no hint arrived within {Timeout.TotalSeconds} s");
    }

    /// <summary>The next hint, failing after a timeout.</summary>
    public async Task<StorageHint> NextAsync()
    {
        using var wait = new CancellationTokenSource(Timeout);
        return await _hints.Reader.ReadAsync(wait.Token);
    }

    /// <summary>Hints that arrived and were not taken yet, without waiting.</summary>
    public List<StorageHint> Pending()
    {
        var pending = new List<StorageHint>();
        while (_hints.Reader.TryRead(out var hint))
        {
            pending.Add(hint);
        }

        return pending;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _listening;
        }
        catch (OperationCanceledException)
        {
            // Cancelled: the normal end.
        }

        _stop.Dispose();
    }
}
