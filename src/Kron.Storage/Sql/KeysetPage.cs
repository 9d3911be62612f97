using System.Diagnostics.CodeAnalysis;

namespace Kron.Storage.Sql;

/// <summary>
/// The seam's list pages: newest first by id, each page read with <c>LIMIT limit + 1</c> after the cursor; the extra
/// row only says that there is a next page, whose cursor is the last id kept.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class KeysetPage
{
    /// <summary>Keeps the first <paramref name="limit"/> of up to <c>limit + 1</c> rows, and the next page's cursor (null on the last page).</summary>
    public static (IReadOnlyList<T> Items, string? NextCursor) Cut<T>(List<T> rows, int limit, Func<T, string> idOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(idOf);
        if (rows.Count <= limit)
        {
            return (rows, null);
        }

        rows.RemoveRange(limit, rows.Count - limit);
        return (rows, idOf(rows[^1]));
    }
}
