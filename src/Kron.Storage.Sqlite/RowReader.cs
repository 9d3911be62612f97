using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// Typed, by-name reads of the current row in SQLite's storage format: instants and durations as INTEGER microseconds,
/// booleans as 0/1, string lists as JSON text.
/// </summary>
internal sealed class RowReader : IColumnReader
{
    private readonly SqliteDataReader _reader;
    private readonly ColumnOrdinals _ordinals;

    public RowReader(SqliteDataReader reader)
    {
        _reader = reader;
        _ordinals = new ColumnOrdinals(reader);
    }

    public bool IsNull(string column) => _reader.IsDBNull(_ordinals.Of(column));

    public string String(string column) => _reader.GetString(_ordinals.Of(column));

    public long Int64(string column) => _reader.GetInt64(_ordinals.Of(column));

    public int Int32(string column) => checked((int)Int64(column));

    public bool Boolean(string column) => Int64(column) != 0;

    public double Double(string column) => _reader.GetDouble(_ordinals.Of(column));

    public DateTimeOffset Instant(string column) => Microseconds.ToInstant(Int64(column));

    public TimeSpan Duration(string column) => Microseconds.ToDuration(Int64(column));

    public string[] StringArray(string column) => JsonStringArray.Read(String(column), column);
}
