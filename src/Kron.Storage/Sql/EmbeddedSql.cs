using System.Reflection;

namespace Kron.Storage.Sql;

/// <summary>
/// The <c>.sql</c> files a driver assembly embeds. Each driver's project embeds <c>Sql\**\*.sql</c> with the logical
/// name <c>Sql/&lt;path&gt;</c>, so a resource name is the file's path under the project.
/// </summary>
internal static class EmbeddedSql
{
    /// <summary>The text of an embedded file, such as <c>Sql/Migrations/0001_initial.sql</c>.</summary>
    public static string Read(Assembly assembly, string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded SQL file {resourceName} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Embedded <c>.sql</c> files under a folder, with '/' separators whatever the build machine used.</summary>
    public static IEnumerable<(string ResourceName, string Path)> FilesUnder(Assembly assembly, string folder) =>
        assembly.GetManifestResourceNames()
            .Select(name => (ResourceName: name, Path: name.Replace('\\', '/')))
            .Where(r => r.Path.StartsWith(folder, StringComparison.Ordinal) && r.Path.EndsWith(".sql", StringComparison.Ordinal));
}
