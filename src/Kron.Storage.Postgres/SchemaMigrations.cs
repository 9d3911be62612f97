using System.Globalization;

namespace Kron.Storage.Postgres;

/// <summary>
/// The versioned migrations in <c>Sql/Migrations/NNNN_name.sql</c>: version N is the file numbered N, applied once,
/// in order, inside the migrating transaction. Versions must run 1..Latest without gaps.
/// </summary>
internal static class SchemaMigrations
{
    private const string Folder = "Sql/Migrations/";

    public static readonly IReadOnlyList<SchemaMigration> All = Load();

    public static int Latest => All.Count == 0 ? 0 : All[^1].Version;

    private static List<SchemaMigration> Load()
    {
        var migrations = SqlQueries.ResourcesUnder(Folder)
            .Select(r =>
            {
                var fileName = r.Path[Folder.Length..];
                var separator = fileName.IndexOf('_', StringComparison.Ordinal);
                if (separator <= 0 || !int.TryParse(fileName.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                {
                    throw new InvalidOperationException($"Migration {r.Path} is not named NNNN_name.sql.");
                }

                return new SchemaMigration(version, fileName, SqlQueries.ReadResource(r.ResourceName));
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

        return migrations;
    }
}

/// <summary>One migration: its version, file name and SQL.</summary>
internal sealed record SchemaMigration(int Version, string FileName, string Sql);
