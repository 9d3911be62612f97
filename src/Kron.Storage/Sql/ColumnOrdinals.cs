using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace Kron.Storage.Sql;

/// <summary>The column ordinals of a result set by name, looked up once per result set (the first of a repeated name wins).</summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public sealed class ColumnOrdinals
{
    private readonly Dictionary<string, int> _ordinals;

    public ColumnOrdinals(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        _ordinals = new Dictionary<string, int>(reader.FieldCount, StringComparer.Ordinal);
        for (var i = 0; i < reader.FieldCount; i++)
        {
            _ordinals.TryAdd(reader.GetName(i), i);
        }
    }

    /// <exception cref="InvalidOperationException">The result set has no such column.</exception>
    public int Of(string column) =>
        _ordinals.TryGetValue(column, out var ordinal)
            ? ordinal
            : throw new InvalidOperationException($"The query returned no column '{column}'.");
}
