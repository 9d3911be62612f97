using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text;

namespace Kron.Storage.Sql;

/// <summary>
/// A driver's named queries: every embedded <c>Sql/*.sql</c> file of the driver's assembly (migrations excepted), where
/// each query starts with a <c>-- name: Name</c> line and runs to the next one. Each driver loads its own files: the
/// SQL stays the driver's; only the reading of it is shared.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public sealed class NamedQueries
{
    private const string NameMarker = "-- name:";

    private readonly Dictionary<string, string> _queries;

    private NamedQueries(Dictionary<string, string> queries) => _queries = queries;

    /// <summary>Reads the named queries embedded in <paramref name="assembly"/>.</summary>
    /// <exception cref="InvalidOperationException">A name is defined twice.</exception>
    public static NamedQueries Load(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (resourceName, path) in EmbeddedSql.FilesUnder(assembly, "Sql/"))
        {
            if (path.StartsWith(SchemaMigrations.Folder, StringComparison.Ordinal))
            {
                continue;
            }

            string? current = null;
            var text = new StringBuilder();
            foreach (var line in EmbeddedSql.Read(assembly, resourceName).Split('\n'))
            {
                if (line.StartsWith(NameMarker, StringComparison.Ordinal))
                {
                    Add(queries, current, text, path);
                    current = line[NameMarker.Length..].Trim();
                    text.Clear();
                }
                else if (current is not null)
                {
                    text.Append(line).Append('\n');
                }
            }

            Add(queries, current, text, path);
        }

        return new NamedQueries(queries);
    }

    /// <summary>The query named <paramref name="name"/>, trimmed.</summary>
    /// <exception cref="InvalidOperationException">No file defines it.</exception>
    public string Get(string name) =>
        _queries.TryGetValue(name, out var sql) ? sql : throw new InvalidOperationException($"No SQL query named {name} in Sql/*.sql.");

    private static void Add(Dictionary<string, string> queries, string? name, StringBuilder text, string path)
    {
        if (name is not null && !queries.TryAdd(name, text.ToString().Trim()))
        {
            throw new InvalidOperationException($"The SQL query {name} is defined twice (again in {path}).");
        }
    }
}
