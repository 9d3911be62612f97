using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Hints through LISTEN/NOTIFY: Sql/hints.sql.</summary>
public sealed partial class PostgresDriver
{
    /// <summary>How long the listener waits before connecting again after losing its connection.</summary>
    internal static readonly TimeSpan HintReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>Hints not yet taken by the consumer; past this the oldest are dropped (the scans catch up).</summary>
    private const int HintBuffer = 4096;

    private readonly CancellationTokenSource _stopListening = new();

    /// <inheritdoc/>
    /// <remarks>
    /// One dedicated connection (not from the pool) runs <c>LISTEN kron_hints</c> and waits for notifications. When
    /// it is lost (the server restarted, a failover, a network cut noticed by the keepalive), the listener connects
    /// again after <see cref="HintReconnectDelay"/>, and again, until cancelled or the driver is disposed; hints sent
    /// while it was away are lost, which the periodic scans make up for. Enumerating ends when the driver is disposed.
    /// </remarks>
    public async IAsyncEnumerable<StorageHint> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var hints = Channel.CreateBounded<StorageHint>(new BoundedChannelOptions(HintBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
            SingleWriter = true,
        });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopListening.Token);
        var listener = ListenLoopAsync(hints.Writer, stop.Token);
        try
        {
            await foreach (var hint in hints.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                yield return hint;
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await listener.ConfigureAwait(false);
        }
    }

    /// <summary>Listens, reconnecting after every loss, until <paramref name="stop"/>; then completes the writer.</summary>
    private async Task ListenLoopAsync(ChannelWriter<StorageHint> hints, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await ListenOnceAsync(hints, stop).ConfigureAwait(false);
                }
                catch (NpgsqlException exception) when (IsConnectionLoss(exception) && !stop.IsCancellationRequested)
                {
                    // The connection is gone (or never came): wait a little and connect again, asking every host
                    // afresh which one is primary now. Any other error (a refused login, a missing permission) ends
                    // the enumeration with it: retrying would not help.
                    (_listenDataSource as NpgsqlMultiHostDataSource)?.ClearDatabaseStates();
                }

                await Task.Delay(HintReconnectDelay, TimeProvider.System, stop).ConfigureAwait(false);
            }
        }
        catch (Exception) when (stop.IsCancellationRequested)
        {
            // Cancelled by the consumer or by DisposeAsync (whatever the interrupted call threw): a normal end.
        }
        catch (NpgsqlException exception)
        {
            // Not a lost connection: the consumer gets the error.
            hints.TryComplete(exception);
        }
        finally
        {
            hints.TryComplete();
        }
    }

    private async Task ListenOnceAsync(ChannelWriter<StorageHint> hints, CancellationToken stop)
    {
        var connection = await _listenDataSource.OpenConnectionAsync(stop).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            connection.Notification += (_, notification) =>
            {
                if (HintPayload.TryParse(notification.Payload, out var hint))
                {
                    hints.TryWrite(hint);
                }
            };
            using (var listen = new NpgsqlCommand(SqlQueries.HintsListen, connection))
            {
                await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
            }

            while (true)
            {
                // Returns after each notification (raised above); throws when the connection breaks.
                await connection.WaitAsync(stop).ConfigureAwait(false);
            }
        }
    }
}
