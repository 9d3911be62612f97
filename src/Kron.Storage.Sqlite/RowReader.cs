using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Typed, by-name access to the current row; column ordinals are looked up once per result set.</summary>
internal sealed class RowReader
{
    private readonly SqliteDataReader _reader;
    private readonly Dictionary<string, int> _ordinals;

    public RowReader(SqliteDataReader reader)
    {
        _reader = reader;
        _ordinals = new Dictionary<string, int>(reader.FieldCount, StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            _ordinals.TryAdd(reader.GetName(i), i);
        }
    }

    public bool IsNull(string column) => _reader.IsDBNull(Ordinal(column));

    public string String(string column) => _reader.GetString(Ordinal(column));

    public string? NullableString(string column) => IsNull(column) ? null : String(column);

    public long Int64(string column) => _reader.GetInt64(Ordinal(column));

    public int Int32(string column) => checked((int)Int64(column));

    public int? NullableInt32(string column) => IsNull(column) ? null : Int32(column);

    public bool Boolean(string column) => Int64(column) != 0;

    public double Double(string column) => _reader.GetDouble(Ordinal(column));

    public DateTimeOffset Instant(string column) => Microseconds.ToInstant(Int64(column));

    public DateTimeOffset? NullableInstant(string column) => IsNull(column) ? null : Instant(column);

    public TimeSpan Duration(string column) => Microseconds.ToDuration(Int64(column));

    public TimeSpan? NullableDuration(string column) => IsNull(column) ? null : Duration(column);

    public TEnum Enum<TEnum>(string column)
        where TEnum : struct, Enum => WireEnums.Parse<TEnum>(String(column), column);

    private int Ordinal(string column) =>
        _ordinals.TryGetValue(column, out var ordinal)
            ? ordinal
            : throw new InvalidOperationException($"The query returned no column '{column}'.");
}
