using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// Typed, by-name reads of the current row in PostgreSQL's storage format: <c>timestamptz</c> instants, durations as
/// <c>bigint</c> microseconds, <c>boolean</c>, <c>text[]</c>.
/// </summary>
internal sealed class RowReader : IColumnReader
{
    private readonly NpgsqlDataReader _reader;
    private readonly ColumnOrdinals _ordinals;

    public RowReader(NpgsqlDataReader reader)
    {
        _reader = reader;
        _ordinals = new ColumnOrdinals(reader);
    }

    public bool IsNull(string column) => _reader.IsDBNull(_ordinals.Of(column));

    public string String(string column) => _reader.GetString(_ordinals.Of(column));

    public long Int64(string column) => _reader.GetInt64(_ordinals.Of(column));

    public int Int32(string column) => _reader.GetInt32(_ordinals.Of(column));

    public bool Boolean(string column) => _reader.GetBoolean(_ordinals.Of(column));

    public double Double(string column) => _reader.GetDouble(_ordinals.Of(column));

    public string[] StringArray(string column) => _reader.GetFieldValue<string[]>(_ordinals.Of(column));

    /// <summary>A timestamptz as a UTC <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Instant(string column) => ToInstant(_reader.GetFieldValue<DateTime>(_ordinals.Of(column)));

    /// <summary>A bigint of microseconds.</summary>
    public TimeSpan Duration(string column) => TimeSpan.FromTicks(Int64(column) * TimeSpan.TicksPerMicrosecond);

    /// <summary>Npgsql reads timestamptz as a UTC <see cref="DateTime"/>.</summary>
    public static DateTimeOffset ToInstant(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));
}
