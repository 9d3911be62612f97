using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;

namespace Kron.Storage.Sql;

/// <summary>
/// A driver's versioned migrations, embedded as <c>Sql/Migrations/NNNN_name.sql</c>: version N is the file numbered N,
/// applied once, in order, inside the migrating transaction. Versions must run 1..Latest without gaps. Each driver
/// loads its own files; how it applies them (locks, transactions) stays the driver's.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public sealed class SchemaMigrations
{
    /// <summary>Where the migration files are, as a resource path prefix.</summary>
    public const string Folder = "Sql/Migrations/";

    private SchemaMigrations(IReadOnlyList<SchemaMigration> all) => All = all;

    /// <summary>Every migration, by version.</summary>
    public IReadOnlyList<SchemaMigration> All { get; }

    /// <summary>The newest version (0 without migrations).</summary>
    public int Latest => All.Count == 0 ? 0 : All[^1].Version;

    /// <summary>Reads the migrations embedded in <paramref name="assembly"/> and checks their numbering.</summary>
    /// <exception cref="InvalidOperationException">A file is not named <c>NNNN_name.sql</c>, or versions have a gap.</exception>
    public static SchemaMigrations Load(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        var migrations = EmbeddedSql.FilesUnder(assembly, Folder)
            .Select(r =>
            {
                var fileName = r.Path[Folder.Length..];
                var separator = fileName.IndexOf('_', StringComparison.Ordinal);
                if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    throw new InvalidOperationException($"Migration {r.Path} is not named NNNN_name.sql.");
                }

                return new SchemaMigration(version, fileName, EmbeddedSql.Read(assembly, r.ResourceName));
            })
            .OrderBy(m => m.Version)
            .ToList();

        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migration {migrations[i].FileName} should be version {i + 1}: versions run 1..N without gaps.");
            }
        }

        return new SchemaMigrations(migrations);
    }
}

/// <summary>One migration: its version, file name and SQL.</summary>
[Experimental("KRON0001")]
public sealed record SchemaMigration(int Version, string FileName, string Sql);
