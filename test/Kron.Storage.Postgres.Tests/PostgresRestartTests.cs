using System.Collections.Concurrent;
using Kron.Testing;
using Npgsql;

namespace Kron.Storage.Postgres.Tests;

/// <summary>
/// The server goes away and comes back, or fails over to its standby, while a node works: operations fail while it is down and all succeed once
/// it is up again (no dead pooled connection is handed out), and the hint listener reconnects by itself. Each test
/// has a server of its own, since it stops it.
/// </summary>
public sealed class PostgresRestartTests
{
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task Operations_ServerRestartedUnderLoad_FailWhileDownAndAllSucceedOnceItIsBack()
    {
        await using var server = await PostgresServer.StartNewAsync();
        var connectionString = server.ConnectionStringFor(await server.CreateDatabaseAsync());
        await using var driver = PostgresDriver.Open(connectionString);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        await using var writer = PostgresDriver.Open(connectionString);
        await using var hints = new HintRecorder(driver);
        await hints.WaitUntilListeningAsync(writer);

        // Load: several workers, so the pool holds several connections when the server goes away.
        using var stopLoad = new CancellationTokenSource();
        var outcomes = new ConcurrentQueue<(bool Ok, long At)>();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; !stopLoad.IsCancellationRequested; i++)
            {
                try
                {
                    var job = PostgresDriverTests.Job($"w{w}-{i}-{Guid.NewGuid():N}", shard: w);
                    await driver.InsertJobAsync(new InsertJobParams(job), Ct);
                    await driver.GetDueJobsAsync(new GetDueJobsParams(job.NextFireAt!.Value, 10, [w]), Ct);
                    outcomes.Enqueue((true, TimeProvider.System.GetTimestamp()));
                }
                catch (NpgsqlException)
                {
                    outcomes.Enqueue((false, TimeProvider.System.GetTimestamp()));
                    await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
                }
            }
        })).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(outcomes.Count(o => o.Ok) >= 40), TimeSpan.FromSeconds(30), "load before the restart");

        await server.StopAsync();
        await Assert.ThrowsAnyAsync<NpgsqlException>(() => driver.GetStatusAsync(Ct));
        await Eventually.TrueAsync(() => Task.FromResult(outcomes.Any(o => !o.Ok)), TimeSpan.FromSeconds(30), "the load to fail while the server is down");
        await server.StartAsync();
        var back = TimeProvider.System.GetTimestamp();
        await Eventually.TrueAsync(() => Task.FromResult(outcomes.Count(o => o.Ok && o.At > back) >= 40), TimeSpan.FromSeconds(30), "the load to go on after the restart");
        await stopLoad.CancelAsync();
        await Task.WhenAll(workers);

        // Once the server answers, nothing fails any more: no dead connection is left in the pool.
        Assert.True((await driver.GetStatusAsync(Ct)).IsCurrent);
        var firstSuccessAfter = outcomes.Where(o => o.Ok && o.At > back).Min(o => o.At);
        Assert.DoesNotContain(outcomes, o => !o.Ok && o.At > firstSuccessAfter + TimeProvider.System.TimestampFrequency / 10);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => driver.GetStatusAsync(Ct)));

        // The listener lost its connection too, and listens again without being asked. The writer was idle through
        // the restart: its first operation may meet a pooled connection that died with the server and fail, which
        // empties its pool; the next one works.
        try
        {
            await writer.GetStatusAsync(Ct);
        }
        catch (NpgsqlException)
        {
            // At most once.
        }

        Assert.True((await writer.GetStatusAsync(Ct)).IsCurrent);
        await hints.WaitUntilListeningAsync(writer);
    }

    [Fact]
    public async Task Operations_PrimaryFailsOverToItsStandby_GoOnWithTheNewPrimary()
    {
        await using var primary = await PostgresServer.StartNewAsync();
        var database = await primary.CreateDatabaseAsync();
        await using (var migrator = PostgresDriver.Open(primary.ConnectionStringFor(database)))
        {
            await migrator.MigrateAsync(new MigrateParams(), Ct);
        }

        await using var standby = await primary.StartStandbyAsync();
        await Eventually.TrueAsync(
            async () => await standby.ExecuteAsync("SELECT count(*) FROM shard_leases", database) == "256",
            TimeSpan.FromSeconds(30),
            "the standby to replay the migration");

        // The standby is listed first: with Target Session Attributes=primary, writes still go to the primary.
        await using var driver = PostgresDriver.Open(
            $"postgres://postgres@127.0.0.1:{standby.Port},127.0.0.1:{primary.Port}/{database}?target_session_attrs=primary");
        Assert.True((await driver.InsertJobAsync(new InsertJobParams(PostgresDriverTests.Job("before")), Ct)).Created);
        await using var hints = new HintRecorder(driver);
        await hints.WaitUntilListeningAsync(driver);

        // Failover: the primary stops (its last WAL reaches the standby first), the standby is promoted.
        await primary.StopAsync();
        await standby.PromoteAsync();

        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    return (await driver.InsertJobAsync(new InsertJobParams(PostgresDriverTests.Job("after")), Ct)).Created;
                }
                catch (NpgsqlException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "a write on the new primary");
        Assert.NotNull(await driver.GetJobAsync(new GetJobParams("before"), Ct));
        Assert.Equal("2", await standby.ExecuteAsync("SELECT count(*) FROM jobs WHERE id IN ('before', 'after')", database));
        // The listener found the new primary too.
        await hints.WaitUntilListeningAsync(driver);
    }
}
