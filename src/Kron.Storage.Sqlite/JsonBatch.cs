using System.Buffers;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// A statement that writes many rows at once from one JSON array argument (<c>json_each</c>), passed as UTF-8 bytes:
/// a row costs its JSON, not a <see cref="SqliteParameter"/> and a native bind per column. The statement returns the
/// ids it wrote (<c>RETURNING id</c>); <see cref="ExecuteAllAsync"/> says which items they were. A chunk of
/// <see cref="ChunkBytes"/> stays under 85,000 bytes, off the large object heap. The statement must find each row by
/// primary key (<c>INDEXED BY</c>): left to itself SQLite 3.50 may walk the table once per chunk row.
/// </summary>
internal sealed class JsonBatch : IAsyncDisposable
{
    /// <summary>The JSON of one statement's rows, at most (about 140 runs; a row larger than this goes alone).</summary>
    public const int ChunkBytes = 64 * 1024;

    private readonly SqliteCommand _command;
    private readonly SqliteParameter _argument;
    private readonly ArrayBufferWriter<byte> _buffer;
    private readonly Utf8JsonWriter _json;
    private bool _open;

    /// <param name="command">The statement; it owns the command and disposes it.</param>
    /// <param name="parameterName">Its JSON array argument.</param>
    /// <param name="buffer">Where the JSON is written, emptied first: the caller's to reuse, one batch at a time.</param>
    public JsonBatch(SqliteCommand command, string parameterName, ArrayBufferWriter<byte> buffer)
    {
        _command = command;
        _buffer = buffer;
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
        var chunk = new HashSet<string>(StringComparer.Ordinal);
        for (var first = 0; first < items.Count;)
        {
            chunk.Clear();
            var end = first;
            while (end < items.Count && (end == first || Bytes < ChunkBytes) && chunk.Add(idOf(items[end])))
            {
                write(Json, items[end]);
                end++;
            }

            var ids = await ExecuteAsync(cancellationToken).ConfigureAwait(false);
            for (var i = first; i < end; i++)
            {
                returned[i] = ids.Contains(idOf(items[i]));
            }

            first = end;
        }

        return returned;
    }

    /// <summary>Runs the statement on the rows written since the last call; returns the ids it returned.</summary>
    private async Task<HashSet<string>> ExecuteAsync(CancellationToken cancellationToken)
    {
        var json = Json;
        json.WriteEndArray();
        json.Flush();
        _argument.Value = _buffer.WrittenSpan.ToArray();
        _buffer.ResetWrittenCount();
        json.Reset(_buffer);
        _open = false;

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var reader = await _command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ids.Add(reader.GetString(0));
            }
        }

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        await _json.DisposeAsync().ConfigureAwait(false);
        _command.Dispose();
    }
}
