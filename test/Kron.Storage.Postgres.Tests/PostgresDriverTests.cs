using System.Globalization;
using Kron.Core.Model;
using Npgsql;

namespace Kron.Storage.Postgres.Tests;

/// <summary>What only the PostgreSQL driver has: migrations under an advisory lock, its schema, hosts and locks.</summary>
public sealed class PostgresDriverTests
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken Ct = CancellationToken.None;

    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryMigrationAndMakesTheShardMap()
    {
        var database = await PostgresDatabases.CreateEmptyAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        var latest = SqlQueries.Migrations.Latest;
        Assert.Equal(new StorageStatus(0, latest), await driver.GetStatusAsync(Ct));

        var result = await driver.MigrateAsync(new MigrateParams(), Ct);

        Assert.Equal(new MigrateResult(0, latest), result);
        Assert.Equal(new StorageStatus(latest, latest), await driver.GetStatusAsync(Ct));
        Assert.Equal(Versions(latest), await QueryAsync(database, "SELECT version FROM schema_version ORDER BY version"));
        Assert.Equal(
            "jobs nodes queues runs schema_version shard_leases workers",
            await QueryAsync(database, "SELECT string_agg(tablename, ' ' ORDER BY tablename) FROM pg_tables WHERE schemaname = 'public'"));
        Assert.Equal("256 0 255 0", await QueryAsync(database, "SELECT count(*) || ' ' || min(shard) || ' ' || max(shard) || ' ' || max(epoch) FROM shard_leases"));
    }

    [Fact]
    public async Task MigrateAsync_FiveNodesStartingAtOnce_AllSucceedAndTheSchemaIsAppliedOnce()
    {
        var database = await PostgresDatabases.CreateEmptyAsync();
        var drivers = Enumerable.Range(0, 5).Select(_ => PostgresDriver.Open(database.ConnectionString)).ToList();
        try
        {
            var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var migrations = drivers.Select(d => Task.Run(async () =>
            {
                await start.Task;
                return await d.MigrateAsync(new MigrateParams(), Ct);
            })).ToArray();
            start.SetResult();
            var results = await Task.WhenAll(migrations);

            var latest = SqlQueries.Migrations.Latest;
            Assert.Single(results, r => r == new MigrateResult(0, latest));
            Assert.Equal(4, results.Count(r => r == new MigrateResult(latest, latest)));
            Assert.Equal(Versions(latest), await QueryAsync(database, "SELECT version FROM schema_version ORDER BY version"));
            Assert.Equal("256", await QueryAsync(database, "SELECT count(*) FROM shard_leases"));
            foreach (var driver in drivers)
            {
                Assert.Equal(new StorageStatus(latest, latest), await driver.GetStatusAsync(Ct));
            }
        }
        finally
        {
            foreach (var driver in drivers)
            {
                await driver.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_SchemaNewerThanTheBinary_RefusesAndChangesNothing()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using (var driver = PostgresDriver.Open(database.ConnectionString))
        {
            await driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct);
        }

        var future = SqlQueries.Migrations.Latest + 1;
        await database.Server.ExecuteAsync($"INSERT INTO schema_version (version, applied_at) VALUES ({future}, now())", database.Name);
        var before = await SnapshotAsync(database);

        await using (var driver = PostgresDriver.Open(database.ConnectionString))
        {
            var refused = await Assert.ThrowsAsync<SchemaTooNewException>(() => driver.MigrateAsync(new MigrateParams(), Ct));
            Assert.Equal((future, SqlQueries.Migrations.Latest), (refused.DatabaseVersion, refused.BinaryVersion));
            Assert.Equal(new StorageStatus(future, SqlQueries.Migrations.Latest), await driver.GetStatusAsync(Ct));
        }

        Assert.Equal(before, await SnapshotAsync(database));
    }

    [Fact]
    public async Task Open_SeveralHostsWithPrimaryTarget_ConnectsAndListensToTheOneThatAnswers()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        var port = database.Server.Port.ToString(CultureInfo.InvariantCulture);
        var deadPort = UnusedPort().ToString(CultureInfo.InvariantCulture);
        var keywords = $"Host=127.0.0.1:{deadPort},127.0.0.1:{port};Database={database.Name};Username=postgres;Target Session Attributes=primary";
        var uri = $"postgres://postgres@127.0.0.1:{deadPort},127.0.0.1:{port}/{database.Name}?target_session_attrs=primary&connect_timeout=5";

        foreach (var connectionString in new[] { keywords, uri })
        {
            await using var driver = PostgresDriver.Open(connectionString);
            Assert.True((await driver.GetStatusAsync(Ct)).IsCurrent);
            Assert.True((await driver.InsertJobAsync(new InsertJobParams(Job(Guid.NewGuid().ToString("N"))), Ct)).Created);
            await using var hints = new HintRecorder(driver);
            await hints.WaitUntilListeningAsync(driver);
        }
    }

    [Fact]
    public async Task Open_OneHostWithPrimaryTarget_Works()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();

        await using var driver = PostgresDriver.Open($"postgresql://postgres@127.0.0.1:{database.Server.Port}/{database.Name}?target_session_attrs=primary");

        Assert.True((await driver.GetStatusAsync(Ct)).IsCurrent);
    }

    [Fact]
    public async Task InsertJobAsync_InstantsAreTimestamptzAndDurationsMicroseconds()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);

        await driver.InsertJobAsync(new InsertJobParams(Job("a") with { Every = TimeSpan.FromSeconds(90), Tags = ["x", "y"], Payload = """{ "a" : 1 }""" }), Ct);

        Assert.Equal(
            "2030-01-01 00:01:00+00|90000000|{x,y}|{ \"a\" : 1 }",
            await QueryAsync(database, "SET TIME ZONE 'UTC'; SELECT next_fire_at || '|' || every || '|' || tags::text || '|' || payload FROM jobs"));
    }

    [Fact]
    public async Task AcquireShardsAsync_WhileAFencedWriteHoldsTheLease_PassesTheShardByUntilItCommits()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        var ttl = TimeSpan.FromSeconds(5);
        await driver.AcquireShardsAsync(new AcquireShardsParams("node-a", Shards.Count, ttl, T0), Ct);

        // A fenced write of node-a in flight: the first statement of FireJobs and ClaimRuns, still uncommitted.
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using (var fenceLock = new NpgsqlCommand(SqlQueries.ShardFenceLock, connection))
        {
            fenceLock.Parameters.Text("owner", "node-a").IntegerArray("shards", [0]).BigIntArray("epochs", [1]).Instant("now", T0);
            Assert.Equal(0, await fenceLock.ExecuteScalarAsync(Ct));
        }

        var expired = T0 + ttl;
        var during = await driver.AcquireShardsAsync(new AcquireShardsParams("node-b", 1, ttl, expired), Ct);
        await transaction.CommitAsync(Ct);
        var after = await driver.AcquireShardsAsync(new AcquireShardsParams("node-b", 1, ttl, expired), Ct);

        Assert.Equal([new ShardLease(1, "node-b", 2, expired + ttl)], during.Acquired);
        Assert.Equal([new ShardLease(0, "node-b", 2, expired + ttl)], after.Acquired);
    }

    [Fact]
    public async Task ReleaseShardsAsync_WhileAFencedWriteHoldsTheLease_WaitsForItToCommit()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        await driver.AcquireShardsAsync(new AcquireShardsParams("node-a", 1, TimeSpan.FromSeconds(5), T0), Ct);
        await using var connection = new NpgsqlConnection(database.ConnectionString);
        await connection.OpenAsync(Ct);
        await using var transaction = await connection.BeginTransactionAsync(Ct);
        await using (var fenceLock = new NpgsqlCommand(SqlQueries.ShardFenceLock, connection))
        {
            fenceLock.Parameters.Text("owner", "node-a").IntegerArray("shards", [0]).BigIntArray("epochs", [1]).Instant("now", T0);
            Assert.Equal(0, await fenceLock.ExecuteScalarAsync(Ct));
        }

        var release = driver.ReleaseShardsAsync(new ReleaseShardsParams("node-a", [0], T0.AddSeconds(1)), Ct);
        var first = await Task.WhenAny(release, Task.Delay(TimeSpan.FromMilliseconds(500), TimeProvider.System));
        Assert.NotSame(release, first);
        await transaction.CommitAsync(Ct);

        Assert.Equal(1, (await release).Released);
    }

    [Fact]
    public async Task FireJobsAsync_FencedBatchOfManyJobs_FiresThemAllAndTheirRunsAreClaimable()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        var acquired = await driver.AcquireShardsAsync(new AcquireShardsParams("node-a", Shards.Count, TimeSpan.FromMinutes(10), T0), Ct);
        var fence = new ShardFence("node-a", [.. acquired.Acquired.Select(l => new ShardEpoch(l.Shard, l.Epoch))]);
        var fires = new List<JobFire>();
        for (var i = 0; i < 300; i++)
        {
            var job = Job("job-" + i.ToString("D3", CultureInfo.InvariantCulture));
            await driver.InsertJobAsync(new InsertJobParams(job), Ct);
            fires.Add(new JobFire(job.Id, job.NextFireAt!.Value, job.NextFireAt.Value.AddMinutes(1), [Run(job, job.NextFireAt.Value)]));
        }

        var result = await driver.FireJobsAsync(new FireJobsParams(fires, T0, fence), Ct);

        Assert.All(result.Fired, Assert.True);
        Assert.Equal("300", await QueryAsync(database, "SELECT count(*) FROM runs WHERE state = 'queued'"));
        var claimed = await driver.ClaimRunsAsync(new ClaimRunsParams("node-a", 500, TimeSpan.FromMinutes(1), T0.AddMinutes(2), fence), Ct);
        Assert.Equal(300, claimed.Runs.Count);
    }

    [Fact]
    public async Task FireJobsAsync_AFewThousandRunsIntoNeverAnalyzedTables_AnalyzesJobsAndRunsOnce()
    {
        // A new database: its first plans would be made on empty tables (design.md 8). Autovacuum is off here so that
        // only the driver can analyze them.
        var database = await PostgresDatabases.CreateMigratedAsync();
        await QueryAsync(database, "ALTER TABLE jobs SET (autovacuum_enabled = off); ALTER TABLE runs SET (autovacuum_enabled = off)");
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        var slot = T0.AddMinutes(1);
        var jobs = Enumerable.Range(0, PostgresDriver.RunsBeforeStatisticsCheck / 2)
            .Select(i => Job("job-" + i.ToString("D5", CultureInfo.InvariantCulture)))
            .ToList();
        await driver.InsertJobsAsync(new InsertJobsParams(jobs), Ct);

        await FireAllAsync(slot); // half the runs: no check yet
        Assert.Same(Task.CompletedTask, driver.StatisticsCheck);
        await FireAllAsync(slot.AddMinutes(1)); // the rest: the check analyzes both tables
        await driver.StatisticsCheck;
        await FireAllAsync(slot.AddMinutes(2)); // and never runs again

        Assert.Equal("jobs 1, runs 1", await QueryAsync(database, StatisticsQuery));
        Assert.Equal("2000", await QueryAsync(database, "SELECT reltuples::bigint FROM pg_class WHERE relname = 'runs'"));

        async Task FireAllAsync(DateTimeOffset at)
        {
            var fires = jobs.Select(job => new JobFire(job.Id, at, at.AddMinutes(1), [Run(job, at)])).ToList();
            var result = await driver.FireJobsAsync(new FireJobsParams(fires, T0), Ct);
            Assert.All(result.Fired, Assert.True);
        }
    }

    [Fact]
    public async Task FireJobsAsync_TablesAnalyzedBefore_LeavesTheirStatisticsAlone()
    {
        var database = await PostgresDatabases.CreateMigratedAsync();
        await QueryAsync(database, "ALTER TABLE jobs SET (autovacuum_enabled = off); ALTER TABLE runs SET (autovacuum_enabled = off); ANALYZE jobs, runs");
        await using var driver = PostgresDriver.Open(database.ConnectionString);
        var jobs = Enumerable.Range(0, PostgresDriver.RunsBeforeStatisticsCheck)
            .Select(i => Job("job-" + i.ToString("D5", CultureInfo.InvariantCulture)))
            .ToList();
        await driver.InsertJobsAsync(new InsertJobsParams(jobs), Ct);

        var result = await driver.FireJobsAsync(new FireJobsParams([.. jobs.Select(job => new JobFire(job.Id, job.NextFireAt!.Value, null, [Run(job, job.NextFireAt.Value)]))], T0), Ct);
        await driver.StatisticsCheck;

        Assert.All(result.Fired, Assert.True);
        Assert.NotSame(Task.CompletedTask, driver.StatisticsCheck);
        Assert.Equal("jobs 1, runs 1", await QueryAsync(database, StatisticsQuery));
    }

    /// <summary>How many times each of jobs and runs was analyzed by an ANALYZE command.</summary>
    private const string StatisticsQuery =
        "SELECT string_agg(relname || ' ' || analyze_count, ', ' ORDER BY relname) FROM pg_stat_user_tables WHERE relname IN ('jobs', 'runs')";

    internal static JobRecord Job(string id, int shard = 0) => new()
    {
        Id = id,
        ScheduleKind = ScheduleKind.Every,
        Every = TimeSpan.FromMinutes(1),
        Target = """{"type":"noop"}""",
        Shard = shard,
        NextFireAt = T0.AddMinutes(1),
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    internal static RunRecord Run(JobRecord job, DateTimeOffset scheduledFor) => new()
    {
        Id = job.Id + "-" + scheduledFor.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        JobId = job.Id,
        Shard = job.Shard,
        ScheduledFor = scheduledFor,
        ReadyAt = scheduledFor,
        Target = job.Target,
        CreatedAt = T0,
    };

    private static string Versions(int latest) => string.Join('\n', Enumerable.Range(1, latest));

    private static Task<string> QueryAsync(TestDatabase database, string sql) => database.Server.ExecuteAsync(sql, database.Name);

    /// <summary>Every table's rows and the schema's columns, as text.</summary>
    private static Task<string> SnapshotAsync(TestDatabase database) => QueryAsync(
        database,
        """
        SELECT (SELECT string_agg(table_name || '.' || column_name || ':' || data_type, ',' ORDER BY table_name, column_name)
                FROM information_schema.columns WHERE table_schema = 'public')
            || (SELECT string_agg(version::text, ',' ORDER BY version) FROM schema_version)
            || (SELECT string_agg(j::text, ',' ORDER BY id) FROM jobs AS j)
            || (SELECT count(*) FROM runs) || (SELECT count(*) FROM nodes)
            || (SELECT string_agg(l::text, ',' ORDER BY shard) FROM shard_leases AS l)
        """);

    private static int UnusedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
