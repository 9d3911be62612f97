using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Options;

namespace Kron.Samples.EmailWorker;

/// <summary>
/// The sample's stand-in for an SMTP relay: it "delivers" a mail by appending a line to
/// <see cref="MailOutboxOptions.OutboxFile"/> (when set), and remembers which idempotency keys it has delivered.
/// </summary>
/// <remarks>
/// The set of delivered keys is in memory, so it only deduplicates within this process: a restart or a second worker
/// process forgets it. A real sender keeps the key where the side effect happens, such as a unique column written in
/// the same transaction, or the mail provider's own <c>Idempotency-Key</c> header.
/// </remarks>
internal sealed class MailOutbox(IOptions<MailOutboxOptions> options, TimeProvider timeProvider) : IDisposable
{
    private readonly ConcurrentDictionary<string, bool> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _fileLock = new(1, 1);
    private readonly string? _file = options.Value.OutboxFile;

    /// <summary>
    /// Claims <paramref name="idempotencyKey"/> for a delivery: <see langword="false"/> when a mail with that key was
    /// already delivered, or another execution of the same run is delivering it right now.
    /// </summary>
    public bool TryReserve(string idempotencyKey) => _keys.TryAdd(idempotencyKey, true);

    /// <summary>Forgets a reservation whose delivery did not happen, so that the next attempt may deliver it.</summary>
    public void Release(string idempotencyKey) => _keys.TryRemove(idempotencyKey, out _);

    /// <summary>Delivers <paramref name="message"/>: one line in the outbox file, when there is one.</summary>
    public async Task DeliverAsync(string idempotencyKey, EmailMessage message, CancellationToken cancellationToken)
    {
        // Pretend the relay takes a moment, so that a cancelled run (or Ctrl+C) interrupts a send in progress.
        await Task.Delay(TimeSpan.FromMilliseconds(100), timeProvider, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(_file))
        {
            return;
        }

        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{timeProvider.GetUtcNow():O}\t{idempotencyKey}\t{message.To}\t{message.Subject}{Environment.NewLine}");
        await _fileLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await File.AppendAllTextAsync(_file, line, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _fileLock.Release();
        }
    }

    public void Dispose() => _fileLock.Dispose();
}
