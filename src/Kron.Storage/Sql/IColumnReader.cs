using System.Diagnostics.CodeAnalysis;

namespace Kron.Storage.Sql;

/// <summary>
/// Typed, by-name reads of the current row, in a driver's storage format: each driver implements it over its data
/// reader (SQLite: instants as INTEGER microseconds, booleans as 0/1, string lists as JSON text; PostgreSQL:
/// <c>timestamptz</c>, <c>boolean</c>, <c>text[]</c>). Durations are <c>bigint</c> microseconds in both. The mapping of
/// rows to records on top of it (<see cref="RecordColumns"/>) is shared.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public interface IColumnReader
{
    // CA1716, CA1720: members are named after the kind of value read (String, Int32, ...), like DbDataReader's
    // GetString/GetInt32; only this repository's C# drivers implement the interface, so no other language meets them.
#pragma warning disable CA1716, CA1720

    bool IsNull(string column);

    string String(string column);

    int Int32(string column);

    long Int64(string column);

    bool Boolean(string column);

    double Double(string column);

    /// <summary>An instant, as a UTC <see cref="DateTimeOffset"/>.</summary>
    DateTimeOffset Instant(string column);

    /// <summary>A duration stored as whole microseconds.</summary>
    TimeSpan Duration(string column);

    /// <exception cref="InvalidDataException">The list holds a null.</exception>
    string[] StringArray(string column);
#pragma warning restore CA1716, CA1720
}

/// <summary>The reads of <see cref="IColumnReader"/> that are the same in every storage format.</summary>
[Experimental("KRON0001")]
public static class ColumnReaderExtensions
{
    public static string? NullableString(this IColumnReader row, string column) => row.IsNull(column) ? null : row.String(column);

    public static int? NullableInt32(this IColumnReader row, string column) => row.IsNull(column) ? null : row.Int32(column);

    public static DateTimeOffset? NullableInstant(this IColumnReader row, string column) => row.IsNull(column) ? null : row.Instant(column);

    public static TimeSpan? NullableDuration(this IColumnReader row, string column) => row.IsNull(column) ? null : row.Duration(column);

    /// <summary>An enum stored as its wire name.</summary>
    /// <exception cref="InvalidDataException">The column holds a name this binary does not know.</exception>
    public static TEnum Enum<TEnum>(this IColumnReader row, string column)
        where TEnum : struct, Enum => WireEnums.Parse<TEnum>(row.String(column), column);
}
