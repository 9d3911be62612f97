using Kron.Storage.Conformance;

namespace Kron.Storage.Postgres.Tests;

/// <summary>The conformance suite on a real PostgreSQL server, a new migrated database for each test.</summary>
public sealed class PostgresStorageConformanceTests : StorageConformanceTests
{
    protected override async Task<IStorageDriver> CreateDriverAsync() =>
        PostgresDriver.Open((await PostgresDatabases.CreateMigratedAsync()).ConnectionString);
}
