using Kron.Core.Model;
using Kron.Storage.Sql;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>Typed, by-name access to the current row; column ordinals are looked up once per result set.</summary>
internal sealed class RowReader
{
    private readonly NpgsqlDataReader _reader;
    private readonly Dictionary<string, int> _ordinals;

    public RowReader(NpgsqlDataReader reader)
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

    public int Int32(string column) => _reader.GetInt32(Ordinal(column));

    public int? NullableInt32(string column) => IsNull(column) ? null : Int32(column);

    public bool Boolean(string column) => _reader.GetBoolean(Ordinal(column));

    public double Double(string column) => _reader.GetDouble(Ordinal(column));

    public string[] StringArray(string column) => _reader.GetFieldValue<string[]>(Ordinal(column));

    /// <summary>A timestamptz as a UTC <see cref="DateTimeOffset"/>.</summary>
    public DateTimeOffset Instant(string column) => ToInstant(_reader.GetFieldValue<DateTime>(Ordinal(column)));

    public DateTimeOffset? NullableInstant(string column) => IsNull(column) ? null : Instant(column);

    /// <summary>A bigint of microseconds.</summary>
    public TimeSpan Duration(string column) => TimeSpan.FromTicks(Int64(column) * TimeSpan.TicksPerMicrosecond);

    public TimeSpan? NullableDuration(string column) => IsNull(column) ? null : Duration(column);

    public TEnum Enum<TEnum>(string column)
        where TEnum : struct, Enum => WireEnums.Parse<TEnum>(String(column), column);

    /// <summary>The four <c>retry_*</c> columns that <c>jobs</c> and <c>runs</c> share.</summary>
    public RetryPolicy Retry() => new(
        Duration("retry_initial_interval"),
        Duration("retry_max_interval"),
        Double("retry_multiplier"),
        Enum<RetryJitter>("retry_jitter"));

    /// <summary>Npgsql reads timestamptz as a UTC <see cref="DateTime"/>.</summary>
    public static DateTimeOffset ToInstant(DateTime utc) => new(DateTime.SpecifyKind(utc, DateTimeKind.Utc));

    private int Ordinal(string column) =>
        _ordinals.TryGetValue(column, out var ordinal)
            ? ordinal
            : throw new InvalidOperationException($"The query returned no column '{column}'.");
}
