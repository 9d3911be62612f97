using Kron.Storage.Conformance;

namespace Kron.Storage.Sqlite.Tests;

/// <summary>The conformance suite on a real SQLite file, a new one in its own folder for each test.</summary>
public sealed class SqliteStorageConformanceTests : StorageConformanceTests, IDisposable
{
    private readonly TempDatabase _database = new();

    protected override async Task<IStorageDriver> CreateDriverAsync()
    {
        var driver = SqliteDriver.Open(_database.FilePath, TimeProvider.System);
        await driver.MigrateAsync(new MigrateParams(), CancellationToken.None);
        return driver;
    }

    /// <summary>xunit calls this after the suite's DisposeAsync has closed the driver.</summary>
    public void Dispose() => _database.Dispose();
}
