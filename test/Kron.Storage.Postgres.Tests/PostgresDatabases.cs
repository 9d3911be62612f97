using Kron.Testing;

namespace Kron.Storage.Postgres.Tests;

/// <summary>
/// Databases on this assembly's throwaway server (<see cref="PostgresServer.SharedAsync"/>): a new one per test,
/// empty or already migrated. A migrated one is a copy of a template migrated once, which takes a few milliseconds
/// instead of a migration.
/// </summary>
internal static class PostgresDatabases
{
    private const string MigratedTemplate = "kron_migrated_template";

    private static readonly Lazy<Task<PostgresServer>> WithTemplate = new(CreateTemplateAsync);

    /// <summary>A new, empty database.</summary>
    public static async Task<TestDatabase> CreateEmptyAsync()
    {
        var server = await PostgresServer.SharedAsync();
        return new TestDatabase(server, await server.CreateDatabaseAsync());
    }

    /// <summary>A new database migrated to the latest schema.</summary>
    public static async Task<TestDatabase> CreateMigratedAsync()
    {
        var server = await WithTemplate.Value;
        return new TestDatabase(server, await server.CreateDatabaseAsync(MigratedTemplate));
    }

    private static async Task<PostgresServer> CreateTemplateAsync()
    {
        var server = await PostgresServer.SharedAsync();
        await server.CreateTemplateAsync(
            MigratedTemplate,
            async connectionString =>
            {
                // Disposing the driver closes its connections: a template must have none when it is copied.
                await using var driver = PostgresDriver.Open(connectionString);
                await driver.MigrateAsync(new MigrateParams(), CancellationToken.None);
            });
        return server;
    }
}

/// <summary>
/// One test's database. Not dropped after the test: a drop forces a checkpoint, which would double the suite's time;
/// the whole server directory goes at the end of the run.
/// </summary>
internal sealed record TestDatabase(PostgresServer Server, string Name)
{
    public string ConnectionString => Server.ConnectionStringFor(Name);
}
