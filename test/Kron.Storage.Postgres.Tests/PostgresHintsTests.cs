using Kron.Core.Model;

namespace Kron.Storage.Postgres.Tests;

/// <summary>LISTEN/NOTIFY hints between two drivers (two nodes) on one database.</summary>
public sealed class PostgresHintsTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task ListenAsync_CommittedWritesOfAnotherDriver_HintTheirShardsInCommitOrder()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var listener = PostgresDriver.Open(database.ConnectionString);
        await using var writer = PostgresDriver.Open(database.ConnectionString);
        await using var hints = new HintRecorder(listener);
        await hints.WaitUntilListeningAsync(writer);

        var job = PostgresDriverTests.Job("job-a", shard: 1001) with { Key = "a" };
        await writer.InsertJobAsync(new InsertJobParams(job), Ct);
        Assert.Equal(new StorageHint(StorageHintKind.JobChanged, 1001), await hints.NextAsync());

        // Not created (key taken) or rolled back (id taken): no hint; the next write's hint comes next.
        Assert.False((await writer.InsertJobAsync(new InsertJobParams(PostgresDriverTests.Job("job-b", shard: 1002) with { Key = "a" }), Ct)).Created);
        await Assert.ThrowsAnyAsync<Exception>(() => writer.InsertJobAsync(new InsertJobParams(PostgresDriverTests.Job("job-a", shard: 1002)), Ct));
        Assert.Equal(UpdateJobOutcome.VersionConflict, (await writer.UpdateJobAsync(new UpdateJobParams(job with { Shard = 1002 }, 7), Ct)).Outcome);
        Assert.Equal(UpdateJobOutcome.Updated, (await writer.UpdateJobAsync(new UpdateJobParams(job with { Shard = 1003 }, 1), Ct)).Outcome);
        Assert.Equal(new StorageHint(StorageHintKind.JobChanged, 1003), await hints.NextAsync());

        // Runs: a queued run is ready; a skipped slot is not; a redriven run is ready again.
        var queued = PostgresDriverTests.Run(job, T0) with { Shard = 1004 };
        await writer.InsertRunAsync(new InsertRunParams(queued), Ct);
        Assert.Equal(new StorageHint(StorageHintKind.RunReady, 1004), await hints.NextAsync());
        var skipped = PostgresDriverTests.Run(job, T0.AddMinutes(1)) with { Shard = 1005, State = RunState.Skipped, FinishedAt = T0 };
        var dead = PostgresDriverTests.Run(job, T0.AddMinutes(2)) with { Shard = 1006, State = RunState.Dead, FinishedAt = T0 };
        await writer.InsertRunAsync(new InsertRunParams(skipped), Ct);
        await writer.InsertRunAsync(new InsertRunParams(dead), Ct);
        Assert.Equal([dead.Id], (await writer.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, Now: T0), Ct)).RunIds);
        Assert.Equal(new StorageHint(StorageHintKind.RunReady, 1006), await hints.NextAsync());

        Assert.True((await writer.DeleteJobAsync(new DeleteJobParams(job.Id, T0), Ct)).Deleted);
        Assert.Equal(new StorageHint(StorageHintKind.JobChanged, 1003), await hints.NextAsync());
        Assert.Empty(hints.Pending());
    }

    [Fact]
    public async Task ListenAsync_Cancelled_EndsTheEnumeration()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        using var cancel = new CancellationTokenSource();
        var listening = Task.Run(async () =>
        {
            await foreach (var _ in driver.ListenAsync(cancel.Token))
            {
            }
        });

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => listening.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ListenAsync_DriverDisposed_EndsTheEnumeration()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        var driver = PostgresDriver.Open(database.ConnectionString);
        await using var writer = PostgresDriver.Open(database.ConnectionString);
        await using var hints = new HintRecorder(driver);
        await hints.WaitUntilListeningAsync(writer);

        await driver.DisposeAsync();

        await hints.Listening.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task ListenAsync_ErrorThatIsNotALostConnection_EndsTheEnumerationWithIt()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString.Replace("Username=postgres", "Username=nobody", StringComparison.Ordinal));

        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(async () =>
        {
            await foreach (var _ in driver.ListenAsync(Ct).WithCancellation(Ct))
            {
            }
        });

        Assert.Equal("28000", refused.SqlState);
    }
}
