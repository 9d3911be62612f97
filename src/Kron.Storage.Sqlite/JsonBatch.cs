using System.Buffers;
using System.Numerics;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// A statement that writes many rows at once from one JSON array argument (<c>json_each</c>), passed as UTF-8 bytes:
/// a row costs its JSON, not a <see cref="SqliteParameter"/> and a native bind per column. The statement returns the
/// ids it wrote (<c>RETURNING id</c>); <see cref="ExecuteAllAsync"/> says which items they were (it counts them first,
/// and reads them only when some row was not written). A chunk of
/// <see cref="ChunkBytes"/> stays under 85,000 bytes, off the large object heap. The statement must find each row by
/// primary key (<c>INDEXED BY</c>): left to itself SQLite 3.50 may walk the table once per chunk row.
/// </summary>
internal sealed class JsonBatch : IAsyncDisposable
{
    /// <summary>The JSON of one statement's rows, at most (about 140 runs; a row larger than this goes alone).</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly SqliteCommand _command;
    private readonly SqliteCommand _savepoint;
    private readonly SqliteParameter _argument;
    private readonly JsonBatchBuffers _buffers;
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _json;
    private bool _open;

    /// <param name="command">The statement; it owns the command and disposes it.</param>
    /// <param name="parameterName">Its JSON array argument.</param>
    /// <param name="buffers">Where the JSON is written, emptied first: the caller's to reuse, one batch at a time.</param>
    public JsonBatch(SqliteCommand command, string parameterName, JsonBatchBuffers buffers)
    {
        _command = command;
        _savepoint = command.Connection!.CreateCommand();
        _savepoint.Transaction = command.Transaction;
        _buffers = buffers;
        _buffer = buffers.Json;
        _buffer.ResetWrittenCount();
        _argument = command.Parameters.Add(parameterName, SqliteType.Blob);
        _json = new Utf8JsonWriter(_buffer);
    }

    /// <summary>Where the rows go, each one JSON value; the enclosing array is opened on the first write.</summary>
    private Utf8JsonWriter Json
    {
        get
        {
            if (!_open)
            {
                _json.WriteStartArray();
                _open = true;
            }

            return _json;
        }
    }

    /// <summary>The JSON of the current chunk so far, in bytes.</summary>
    private long Bytes => _open ? _json.BytesCommitted + _json.BytesPending : 0;

    /// <summary>
    /// Writes <paramref name="items"/> with <paramref name="write"/> and runs the statement once per chunk; returns,
    /// per item, whether the statement returned its id. A chunk ends at <see cref="ChunkBytes"/> or before an id it
    /// already holds, so an item for the same row as an earlier one is judged after it, as if it came alone.
    /// </summary>
    public async Task<bool[]> ExecuteAllAsync<T>(IReadOnlyList<T> items, Func<T, string> idOf, Action<Utf8JsonWriter, T> write, CancellationToken cancellationToken)
    {
        var returned = new bool[items.Count];
        var chunk = _buffers.Ids;
        for (var first = 0; first < items.Count;)
        {
            chunk.Clear();
            var end = first;
            while (end < items.Count && (end == first || Bytes < ChunkBytes) && chunk.Add(idOf(items[end])))
            {
                write(Json, items[end]);
                end++;
            }

            // Usually every row is written: counting the rows returned says so without reading an id (a string each).
            // Otherwise the chunk is undone to a savepoint and run again, reading which ids it returned.
            var count = end - first;
            await SavepointAsync("SAVEPOINT json_batch", cancellationToken).ConfigureAwait(false);
            var reader = await ExecuteAsync(cancellationToken).ConfigureAwait(false);
            var written = 0;
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    written++;
                }
            }

            if (written == count)
            {
                returned.AsSpan(first, count).Fill(true);
            }
            else
            {
                await SavepointAsync("ROLLBACK TO json_batch", cancellationToken).ConfigureAwait(false);
                reader = await _command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    // The statements return their rows in the order of the JSON (a scan of it, then a search by key per
                    // row), so each id is looked for from where the last one was found: one comparison per row.
                    var next = first;
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        var id = reader.GetString(0);
                        for (var k = 0; k < count; k++)
                        {
                            var i = first + ((next - first + k) % count);
                            if (string.Equals(idOf(items[i]), id, StringComparison.Ordinal))
                            {
                                returned[i] = true;
                                next = i + 1 == end ? first : i + 1;
                                break;
                            }
                        }
                    }
                }
            }

            await SavepointAsync("RELEASE json_batch", cancellationToken).ConfigureAwait(false);
            first = end;
        }

        return returned;
    }

    private async Task SavepointAsync(string sql, CancellationToken cancellationToken)
    {
        _savepoint.CommandText = sql;
        await _savepoint.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs the statement on the rows written since the last call; its reader yields the ids written.</summary>
    private async Task<SqliteDataReader> ExecuteAsync(CancellationToken cancellationToken)
    {
        var json = Json;
        json.WriteEndArray();
        json.Flush();
        _argument.Value = _buffers.Argument(_buffer.WrittenSpan);
        _buffer.ResetWrittenCount();
        json.Reset(_buffer);
        _open = false;
        return await _command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync().ConfigureAwait(false);
        _command.Dispose();
        _savepoint.Dispose();
    }
}

/// <summary>
/// The memory a driver's <see cref="JsonBatch"/>es reuse, one batch at a time (the driver's single writer): the JSON
/// being written, the ids of a chunk, and the arguments bound. Microsoft.Data.Sqlite binds a blob only as a whole
/// <c>byte[]</c> (it copies a shorter <c>Size</c> into a new array), so the JSON is copied into a reused array of the
/// next power-of-two size and padded with spaces, which JSON ignores: a chunk allocates nothing, for at most twice its
/// bytes copied and parsed.
/// </summary>
internal sealed class JsonBatchBuffers
{
    /// <summary>Above this size (a single very large row) an argument is a new array of the exact size.</summary>
    private const int LargestPadded = 256 * 1024;

    private readonly byte[]?[] _padded = new byte[BitOperations.Log2(LargestPadded) + 1][];

    public ArrayBufferWriter<byte> Json { get; } = new(JsonBatch.ChunkBytes + 4096);

    public HashSet<string> Ids { get; } = new(StringComparer.Ordinal);

    /// <summary>The argument for <paramref name="json"/>: a reused array padded with spaces, or an exact copy when large.</summary>
    public byte[] Argument(ReadOnlySpan<byte> json)
    {
        if (json.Length > LargestPadded)
        {
            return json.ToArray();
        }

        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(json.Length, 256));
        var array = _padded[BitOperations.Log2((uint)size)] ??= new byte[size];
        json.CopyTo(array);
        array.AsSpan(json.Length).Fill((byte)' ');
        return array;
    }
}
