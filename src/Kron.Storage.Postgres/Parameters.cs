using Kron.Core.Model;
using Kron.Storage.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Kron.Storage.Postgres;

/// <summary>
/// Typed parameters: every value is sent with its PostgreSQL type, so a null never leaves the server guessing and
/// a statement prepares once. Instants go as timestamptz truncated to the microsecond (towards the past, as the SQLite
/// driver does); durations as bigint microseconds (towards zero), the unit of every duration column.
/// </summary>
internal static class Parameters
{
    public static NpgsqlParameterCollection Text(this NpgsqlParameterCollection parameters, string name, string? value) =>
        parameters.With(name, NpgsqlDbType.Text, value);

    public static NpgsqlParameterCollection Integer(this NpgsqlParameterCollection parameters, string name, int? value) =>
        parameters.With(name, NpgsqlDbType.Integer, value);

    public static NpgsqlParameterCollection BigInt(this NpgsqlParameterCollection parameters, string name, long? value) =>
        parameters.With(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlParameterCollection Double(this NpgsqlParameterCollection parameters, string name, double value) =>
        parameters.With(name, NpgsqlDbType.Double, value);

    public static NpgsqlParameterCollection Boolean(this NpgsqlParameterCollection parameters, string name, bool? value) =>
        parameters.With(name, NpgsqlDbType.Boolean, value);

    public static NpgsqlParameterCollection Instant(this NpgsqlParameterCollection parameters, string name, DateTimeOffset? value) =>
        parameters.With(name, NpgsqlDbType.TimestampTz, value is { } instant ? TruncateToMicroseconds(instant) : null);

    public static NpgsqlParameterCollection Duration(this NpgsqlParameterCollection parameters, string name, TimeSpan? value) =>
        parameters.With(name, NpgsqlDbType.Bigint, value is { } duration ? Microseconds(duration) : null);

    public static NpgsqlParameterCollection TextArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<string>? values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Text, AsArray(values));

    public static NpgsqlParameterCollection IntegerArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<int>? values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Integer, AsArray(values));

    public static NpgsqlParameterCollection BigIntArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<long>? values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint, AsArray(values));

    public static NpgsqlParameterCollection DoubleArray(this NpgsqlParameterCollection parameters, string name, double[] values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Double, values);

    public static NpgsqlParameterCollection BooleanArray(this NpgsqlParameterCollection parameters, string name, bool[] values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Boolean, values);

    public static NpgsqlParameterCollection NullableTextArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<string?> values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Text, AsArray(values));

    public static NpgsqlParameterCollection NullableIntegerArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<int?> values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.Integer, AsArray(values));

    public static NpgsqlParameterCollection InstantArray(this NpgsqlParameterCollection parameters, string name, IEnumerable<DateTimeOffset?> values) =>
        parameters.UtcArray(name, [.. values.Select(v => v is { } instant ? TruncateToMicroseconds(instant) : (DateTime?)null)]);

    /// <summary>Instants already made UTC <see cref="DateTime"/>s by <see cref="TruncateToMicroseconds"/>.</summary>
    public static NpgsqlParameterCollection UtcArray(this NpgsqlParameterCollection parameters, string name, DateTime?[] values) =>
        parameters.With(name, NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, values);

    /// <summary>An enum by its wire name.</summary>
    public static NpgsqlParameterCollection Wire<TEnum>(this NpgsqlParameterCollection parameters, string name, TEnum value)
        where TEnum : struct, Enum =>
        parameters.Text(name, WireEnums.Name(value));

    /// <summary>An enum by its wire name, or null.</summary>
    public static NpgsqlParameterCollection NullableWire<TEnum>(this NpgsqlParameterCollection parameters, string name, TEnum? value)
        where TEnum : struct, Enum =>
        parameters.Text(name, value is { } v ? WireEnums.Name(v) : null);

    /// <summary>The four <c>retry_*</c> columns that <c>jobs</c> and <c>runs</c> share.</summary>
    public static NpgsqlParameterCollection Retry(this NpgsqlParameterCollection parameters, RetryPolicy retry) => parameters
        .Duration("retry_initial_interval", retry.InitialInterval)
        .Duration("retry_max_interval", retry.MaxInterval)
        .Double("retry_multiplier", retry.Multiplier)
        .Wire("retry_jitter", retry.Jitter);

    /// <summary>A duration in whole microseconds, truncated towards zero.</summary>
    public static long Microseconds(TimeSpan duration) => duration.Ticks / TimeSpan.TicksPerMicrosecond;

    /// <summary>A UTC <see cref="DateTime"/> truncated to the microsecond, towards the past.</summary>
    public static DateTime TruncateToMicroseconds(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks;
        return new DateTime(ticks - (ticks % TimeSpan.TicksPerMicrosecond), DateTimeKind.Utc);
    }

    /// <summary>The values as an array, without a copy when they are one already (the batch statements build theirs).</summary>
    private static T[]? AsArray<T>(IEnumerable<T>? values) => values as T[] ?? values?.ToArray();

    private static NpgsqlParameterCollection With(this NpgsqlParameterCollection parameters, string name, NpgsqlDbType type, object? value)
    {
        parameters.Add(new NpgsqlParameter(name, type) { Value = value ?? DBNull.Value });
        return parameters;
    }
}
