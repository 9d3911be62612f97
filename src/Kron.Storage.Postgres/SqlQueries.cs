using System.Reflection;
using System.Text;

namespace Kron.Storage.Postgres;

/// <summary>
/// The driver's SQL, loaded from the embedded <c>Sql/*.sql</c> files, where each query starts with a
/// <c>-- name: Name</c> line. A query named here but missing from the files fails at type load, so any test finds it.
/// </summary>
internal static class SqlQueries
{
    private const string NameMarker = "-- name:";

    private static readonly Dictionary<string, string> Named = LoadNamed();

    public static readonly string MigrationLock = Get(nameof(MigrationLock));
    public static readonly string SchemaVersionTableExists = Get(nameof(SchemaVersionTableExists));
    public static readonly string SchemaVersionGet = Get(nameof(SchemaVersionGet));
    public static readonly string SchemaVersionCreate = Get(nameof(SchemaVersionCreate));
    public static readonly string SchemaVersionInsert = Get(nameof(SchemaVersionInsert));

    public static readonly string JobInsert = Get(nameof(JobInsert));
    public static readonly string JobGetInserted = Get(nameof(JobGetInserted));
    public static readonly string JobGet = Get(nameof(JobGet));
    public static readonly string JobList = Get(nameof(JobList));
    public static readonly string JobUpdate = Get(nameof(JobUpdate));
    public static readonly string JobExists = Get(nameof(JobExists));
    public static readonly string JobDelete = Get(nameof(JobDelete));
    public static readonly string JobGetDue = Get(nameof(JobGetDue));
    public static readonly string JobGetDueInShards = Get(nameof(JobGetDueInShards));
    public static readonly string JobNextFireAfter = Get(nameof(JobNextFireAfter));
    public static readonly string JobNextFireAfterInShards = Get(nameof(JobNextFireAfterInShards));
    public static readonly string JobFire = Get(nameof(JobFire));

    public static readonly string RunInsert = Get(nameof(RunInsert));
    public static readonly string RunReadyHint = Get(nameof(RunReadyHint));
    public static readonly string RunGet = Get(nameof(RunGet));
    public static readonly string RunList = Get(nameof(RunList));
    public static readonly string RunListByJob = Get(nameof(RunListByJob));
    public static readonly string RunListByState = Get(nameof(RunListByState));
    public static readonly string RunClaim = Get(nameof(RunClaim));
    public static readonly string RunExtendLease = Get(nameof(RunExtendLease));
    public static readonly string RunComplete = Get(nameof(RunComplete));
    public static readonly string RunRetry = Get(nameof(RunRetry));
    public static readonly string RunRescue = Get(nameof(RunRescue));
    public static readonly string RunDeleteFinished = Get(nameof(RunDeleteFinished));
    public static readonly string RunGetActive = Get(nameof(RunGetActive));
    public static readonly string RunCancel = Get(nameof(RunCancel));
    public static readonly string RunRedrive = Get(nameof(RunRedrive));

    public static readonly string ClockNow = Get(nameof(ClockNow));
    public static readonly string NodeUpsert = Get(nameof(NodeUpsert));
    public static readonly string ShardRenew = Get(nameof(ShardRenew));
    public static readonly string NodeList = Get(nameof(NodeList));
    public static readonly string ShardList = Get(nameof(ShardList));
    public static readonly string ShardFenceLock = Get(nameof(ShardFenceLock));
    public static readonly string ShardAcquire = Get(nameof(ShardAcquire));
    public static readonly string ShardRelease = Get(nameof(ShardRelease));
    public static readonly string ShardReleaseAll = Get(nameof(ShardReleaseAll));
    public static readonly string NodeDelete = Get(nameof(NodeDelete));
    public static readonly string NodeForget = Get(nameof(NodeForget));

    public static readonly string HintsListen = Get(nameof(HintsListen));

    /// <summary>The text of an embedded file, such as <c>Sql/Migrations/0001_initial.sql</c>.</summary>
    public static string ReadResource(string name)
    {
        using var stream = Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded SQL file {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Embedded file names under a folder, with '/' separators whatever the build machine used.</summary>
    public static IEnumerable<(string ResourceName, string Path)> ResourcesUnder(string folder) =>
        Assembly.GetManifestResourceNames()
            .Select(name => (ResourceName: name, Path: name.Replace('\\', '/')))
            .Where(r => r.Path.StartsWith(folder, StringComparison.Ordinal) && r.Path.EndsWith(".sql", StringComparison.Ordinal));

    private static Assembly Assembly => typeof(SqlQueries).Assembly;

    private static string Get(string name) =>
        Named.TryGetValue(name, out var sql) ? sql : throw new InvalidOperationException($"No SQL query named {name} in Sql/*.sql.");

    private static Dictionary<string, string> LoadNamed()
    {
        var queries = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (resourceName, path) in ResourcesUnder("Sql/"))
        {
            if (path.StartsWith("Sql/Migrations/", StringComparison.Ordinal))
            {
                continue;
            }

            string? current = null;
            var text = new StringBuilder();
            foreach (var line in ReadResource(resourceName).Split('\n'))
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

        return queries;
    }

    private static void Add(Dictionary<string, string> queries, string? name, StringBuilder text, string path)
    {
        if (name is not null && !queries.TryAdd(name, text.ToString().Trim()))
        {
            throw new InvalidOperationException($"The SQL query {name} is defined twice (again in {path}).");
        }
    }
}
