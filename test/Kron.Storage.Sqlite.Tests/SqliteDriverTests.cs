using System.Globalization;
using System.Security.Cryptography;
using Kron.Core.Model;
using Kron.Testing;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite.Tests;

/// <summary>What only the SQLite driver has: the file, its migrations, its pragmas, its storage format.</summary>
public sealed class SqliteDriverTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly CancellationToken Ct = CancellationToken.None;

    private readonly TempDatabase _database = new();
    private readonly ManualTimeProvider _time = new(T0);

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task MigrateAsync_NewFile_AppliesEveryMigrationInOrder()
    {
        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        var latest = SqlQueries.Migrations.Latest;
        Assert.Equal(new StorageStatus(0, latest), await driver.GetStatusAsync(Ct));

        var result = await driver.MigrateAsync(new MigrateParams(), Ct);

        Assert.Equal(new MigrateResult(0, latest), result);
        Assert.Equal(new StorageStatus(latest, latest), await driver.GetStatusAsync(Ct));
        Assert.Equal(Enumerable.Range(1, latest).Select(v => v.ToString(CultureInfo.InvariantCulture)), Query("SELECT version FROM schema_version ORDER BY version"));
        Assert.Equal(["jobs", "nodes", "queues", "runs", "schema_version", "shard_leases", "workers"], Query("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"));
    }

    [Theory]
    [InlineData("RunComplete", "SEARCH runs USING INDEX sqlite_autoindex_runs_1 (id=?)")]
    [InlineData("JobFire", "SEARCH jobs USING INDEX sqlite_autoindex_jobs_1 (id=?)")]
    public async Task BatchStatements_ManyRowsLive_FindEachRowByPrimaryKey(string statement, string search)
    {
        // With a burst prepared, thousands of runs are running: a batch must visit only its own rows, never walk the
        // table once per row of the batch (SQLite 3.50 did for RunComplete, through runs_state, before INDEXED BY).
        await using (var driver = SqliteDriver.Open(_database.FilePath, _time))
        {
            await driver.MigrateAsync(new MigrateParams(), Ct);
        }

        var sql = statement == "RunComplete" ? SqlQueries.RunComplete : SqlQueries.JobFire;
        using var connection = RawConnection(null);
        using var explain = connection.CreateCommand();
        explain.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "@completions", "@fires", "@now", "@shards" })
        {
            explain.Parameters.AddWithValue(name, DBNull.Value);
        }

        var plan = new List<string>();
        using (var reader = explain.ExecuteReader())
        {
            while (reader.Read())
            {
                plan.Add(reader.GetString(3));
            }
        }

        Assert.Contains(search, plan);
        Assert.DoesNotContain(plan, step => step.StartsWith("SCAN runs", StringComparison.Ordinal) || step.StartsWith("SCAN jobs", StringComparison.Ordinal) || step.Contains("runs_state", StringComparison.Ordinal));
    }

    [Fact]
    public async Task MigrateAsync_Twice_ChangesNothingTheSecondTime()
    {
        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        await driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct);
        var schema = Query("SELECT sql FROM sqlite_schema ORDER BY name");

        var again = await driver.MigrateAsync(new MigrateParams(), Ct);

        Assert.Equal(new MigrateResult(SqlQueries.Migrations.Latest, SqlQueries.Migrations.Latest), again);
        Assert.Equal(schema, Query("SELECT sql FROM sqlite_schema ORDER BY name"));
        Assert.Equal([SqlQueries.Migrations.Latest.ToString(CultureInfo.InvariantCulture)], Query("SELECT count(*) FROM schema_version"));
        Assert.NotNull(await driver.GetJobAsync(new GetJobParams("a"), Ct));
    }

    [Fact]
    public async Task MigrateAsync_SchemaNewerThanTheBinary_RefusesAndLeavesTheFileUntouched()
    {
        await using (var driver = SqliteDriver.Open(_database.FilePath, _time))
        {
            await driver.MigrateAsync(new MigrateParams(), Ct);
            await driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct);
        }

        var future = SqlQueries.Migrations.Latest + 1;
        Execute($"INSERT INTO schema_version (version, applied_at) VALUES ({future}, 0)");
        var before = Snapshot();

        await using (var driver = SqliteDriver.Open(_database.FilePath, _time))
        {
            var refused = await Assert.ThrowsAsync<SchemaTooNewException>(() => driver.MigrateAsync(new MigrateParams(), Ct));
            Assert.Equal((future, SqlQueries.Migrations.Latest), (refused.DatabaseVersion, refused.BinaryVersion));
            Assert.Equal(new StorageStatus(future, SqlQueries.Migrations.Latest), await driver.GetStatusAsync(Ct));
        }

        Assert.Equal(before, Snapshot());
    }

    [Fact]
    public async Task MigrateAsync_Version1Database_UpgradesKeepingRowsAndFillingTheDefaults()
    {
        CreateVersion1Database();
        var job = Job("a") with
        {
            Key = "nightly",
            Name = "nightly report",
            Retries = 2,
            Concurrency = ConcurrencyPolicy.Replace,
            Delivery = DeliveryGuarantee.AtMostOnce,
            Tags = ["billing"],
            Shard = 7,
            Version = 3,
        };
        // Version 3 gives each run its job's shard.
        var dead = Run("r1", "a") with { Shard = 7, State = RunState.Dead, Attempt = 3, MaxAttempts = 3, FinishedAt = T0.AddSeconds(5), Error = "HTTP 500", HttpStatus = 500 };
        var queued = Run("r2", "a") with { Shard = 7, ScheduledFor = T0.AddMinutes(1), ReadyAt = T0.AddMinutes(1), Payload = """{"n":1}""" };
        Execute(
            """
            INSERT INTO jobs (id, tenant, key, name, schedule_kind, time_zone, every, target, retries, timeout, concurrency,
                misfire, delivery, priority, tags, paused, shard, next_fire_at, created_at, updated_at, version)
            VALUES ('a', 'default', 'nightly', 'nightly report', 'every', 'UTC', 60000000, '{"type":"noop"}', 2, 300000000,
                'replace', 'run_once', 'at_most_once', 0, '["billing"]', 0, 7, @t0, @t0, @t0, 3);
            INSERT INTO runs (id, job_id, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority,
                target, timeout, delivery, finished_at, http_status, error, created_at)
            VALUES ('r1', 'a', @t0, 'schedule', 3, 3, 'dead', @t0, 0, '{"type":"noop"}', 300000000, 'at_least_once',
                @t0 + 5000000, 500, 'HTTP 500', @t0);
            INSERT INTO runs (id, job_id, scheduled_for, triggered_by, attempt, max_attempts, state, ready_at, priority,
                target, payload, timeout, delivery, created_at)
            VALUES ('r2', 'a', @t0 + 60000000, 'schedule', 1, 1, 'queued', @t0 + 60000000, 0, '{"type":"noop"}', '{"n":1}',
                300000000, 'at_least_once', @t0);
            """,
            ("@t0", Microseconds.FromInstant(T0)));

        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        Assert.Equal(new StorageStatus(1, SqlQueries.Migrations.Latest), await driver.GetStatusAsync(Ct));
        var result = await driver.MigrateAsync(new MigrateParams(), Ct);

        Assert.Equal(new MigrateResult(1, SqlQueries.Migrations.Latest), result);
        var read = await driver.GetJobAsync(new GetJobParams("a"), Ct);
        Assert.Equal(["billing"], read!.Tags);
        Assert.Equal(job with { Tags = read.Tags, LastRun = new RunSummary("r2", RunState.Queued, T0.AddMinutes(1), null) }, read);
        Assert.Equal((RetryPolicy.Default, (int?)null), (read.Retry, read.MaxConcurrent));
        Assert.Equal(dead, await driver.GetRunAsync(new GetRunParams("r1"), Ct));
        Assert.Equal(queued, await driver.GetRunAsync(new GetRunParams("r2"), Ct));
        Assert.Equal(["1000000 300000000 2.0 full 0"], Query("SELECT retry_initial_interval || ' ' || retry_max_interval || ' ' || retry_multiplier || ' ' || retry_jitter || ' ' || cancel_requested FROM runs WHERE id = 'r1'"));
        Assert.Equal(["runs_active"], Query("SELECT name FROM sqlite_schema WHERE type = 'index' AND name = 'runs_active'"));
        Assert.Equal([new ActiveRun("r2", "a", RunState.Queued, T0.AddMinutes(1))], (await driver.GetActiveRunsAsync(new GetActiveRunsParams(["a"]), Ct)).Runs);
        Assert.Equal(["r1"], (await driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Dead], 10, Tag: "billing", Now: T0.AddHours(1)), Ct)).RunIds);
    }

    [Fact]
    public async Task Operations_WithoutNow_CancelAndRedriveUseTheDriversTimeProvider()
    {
        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        await driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct);
        await driver.InsertRunAsync(new InsertRunParams(Run("r1", "a") with { ReadyAt = T0.AddHours(1) }), Ct);
        await driver.InsertRunAsync(new InsertRunParams(Run("r2", "a") with { ScheduledFor = T0.AddMinutes(1), ReadyAt = T0.AddHours(1) }), Ct);

        _time.Advance(TimeSpan.FromMinutes(1));
        var cancelled = await driver.CancelRunAsync(new CancelRunParams("r1", "by hand"), Ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        var fire = new JobFire("a", T0, T0.AddMinutes(5), []) { CancelRunIds = ["r2"] };
        Assert.Equal([true], (await driver.FireJobsAsync(new FireJobsParams([fire]), Ct)).Fired);
        _time.Advance(TimeSpan.FromMinutes(1));
        var redriven = await driver.RedriveRunsAsync(new RedriveRunsParams([RunState.Cancelled], 10), Ct);

        Assert.Equal((CancelRunOutcome.Cancelled, (DateTimeOffset?)T0.AddMinutes(1)), (cancelled.Outcome, cancelled.Run?.FinishedAt));
        Assert.Equal(["r1", "r2"], redriven.RunIds);
        var runs = await driver.ListRunsAsync(new ListRunsParams(10), Ct);
        Assert.Equal(
            [("r2", RunState.Queued, T0.AddMinutes(3), "cancelled: replaced by the run for a newer slot"), ("r1", RunState.Queued, T0.AddMinutes(3), "by hand")],
            runs.Items.Select(r => (r.Id, r.State, r.ReadyAt, r.Error)));
    }

    [Fact]
    public async Task Open_AfterDispose_KeepsEveryCommittedWrite()
    {
        JobRecord job;
        RunRecord claimed;
        await using (var driver = SqliteDriver.Open(_database.FilePath, _time))
        {
            await driver.MigrateAsync(new MigrateParams(), Ct);
            job = (await driver.InsertJobAsync(new InsertJobParams(Job("a") with { Tags = ["x"] }), Ct)).Job;
            await driver.InsertRunAsync(new InsertRunParams(Run("r1", "a")), Ct);
            claimed = Assert.Single((await driver.ClaimRunsAsync(new ClaimRunsParams("node-1", 10, TimeSpan.FromSeconds(30)), Ct)).Runs);
        }

        await using (var reopened = SqliteDriver.Open(_database.FilePath, _time))
        {
            Assert.Equal(new MigrateResult(SqlQueries.Migrations.Latest, SqlQueries.Migrations.Latest), await reopened.MigrateAsync(new MigrateParams(), Ct));
            var read = await reopened.GetJobAsync(new GetJobParams("a"), Ct);
            Assert.Equal(["x"], read!.Tags);
            Assert.Equal(job with { Tags = read.Tags, LastRun = read.LastRun }, read);
            Assert.Equal("r1", read.LastRun?.Id);
            Assert.Equal(claimed, await reopened.GetRunAsync(new GetRunParams("r1"), Ct));
        }
    }

    [Fact]
    public async Task Open_NewFileInAMissingFolder_CreatesItInWalMode()
    {
        var nested = Path.Combine(_database.Folder, "data", "kron.db");

        await using (var driver = SqliteDriver.Open(Path.Combine(_database.Folder, "data", ".", "kron.db"), _time))
        {
            Assert.Equal(nested, driver.DatabasePath);
            await driver.MigrateAsync(new MigrateParams(), Ct);
        }

        Assert.Equal(["wal"], Query("PRAGMA journal_mode", nested));
    }

    [Fact]
    public async Task Columns_InstantsAndDurations_AreIntegerMicrosecondsSinceTheUnixEpoch()
    {
        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        var nextFireAt = DateTimeOffset.UnixEpoch.AddSeconds(1).AddTicks(1_234_567);
        await driver.InsertJobAsync(new InsertJobParams(Job("a") with { NextFireAt = nextFireAt, Timeout = TimeSpan.FromMilliseconds(1.5), Tags = ["a", "b\"c"] }), Ct);

        var row = Query("SELECT typeof(next_fire_at) || ' ' || next_fire_at || ' ' || typeof(timeout) || ' ' || timeout || ' ' || tags || ' ' || schedule_kind FROM jobs");

        Assert.Equal(["integer 1123456 integer 1500 [\"a\",\"b\\u0022c\"] every"], row);
    }

    [Fact]
    public async Task Operations_WithoutNow_UseTheDriversTimeProvider()
    {
        await using var driver = SqliteDriver.Open(_database.FilePath, _time);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        await driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct);
        await driver.InsertRunAsync(new InsertRunParams(Run("r1", "a")), Ct);
        await driver.InsertRunAsync(new InsertRunParams(Run("r2", "a") with { ScheduledFor = T0.AddMinutes(10), ReadyAt = T0.AddMinutes(10) }), Ct);

        _time.Advance(TimeSpan.FromMinutes(1));
        var claimed = Assert.Single((await driver.ClaimRunsAsync(new ClaimRunsParams("node-1", 10, TimeSpan.FromSeconds(30)), Ct)).Runs);
        _time.Advance(TimeSpan.FromMinutes(1));
        var rescued = await driver.RescueRunsAsync(new RescueRunsParams(10), Ct);
        _time.Advance(TimeSpan.FromMinutes(1));
        await driver.DeleteJobAsync(new DeleteJobParams("a"), Ct);

        Assert.Equal((T0.AddMinutes(1), T0.AddMinutes(1).AddSeconds(30)), (claimed.StartedAt, claimed.LeaseExpiresAt));
        Assert.Equal((1, 0), Counts(rescued));
        var cancelled = await driver.ListRunsAsync(new ListRunsParams(10, State: RunState.Cancelled), Ct);
        Assert.Equal([("r2", (DateTimeOffset?)T0.AddMinutes(3)), ("r1", T0.AddMinutes(3))], cancelled.Items.Select(r => (r.Id, r.FinishedAt)));
    }

    [Fact]
    public async Task Operations_AfterDispose_ThrowObjectDisposed()
    {
        var driver = SqliteDriver.Open(_database.FilePath, _time);
        await driver.MigrateAsync(new MigrateParams(), Ct);
        await driver.DisposeAsync();
        await driver.DisposeAsync();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => driver.GetStatusAsync(Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => driver.InsertJobAsync(new InsertJobParams(Job("a")), Ct));
    }

    [Theory]
    [InlineData(0L, 0L)]
    [InlineData(9L, 0L)]
    [InlineData(10L, 1L)]
    [InlineData(-1L, -1L)]
    [InlineData(-10L, -1L)]
    [InlineData(-11L, -2L)]
    public void Microseconds_FromInstant_TruncatesTowardsThePast(long ticksSinceEpoch, long expectedMicros)
    {
        var instant = DateTimeOffset.UnixEpoch.AddTicks(ticksSinceEpoch).ToOffset(TimeSpan.FromHours(-5));

        var micros = Microseconds.FromInstant(instant);

        Assert.Equal(expectedMicros, micros);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddTicks(expectedMicros * 10), Microseconds.ToInstant(micros));
        Assert.Equal(TimeSpan.Zero, Microseconds.ToInstant(micros).Offset);
    }

    private static JobRecord Job(string id) => new()
    {
        Id = id,
        ScheduleKind = ScheduleKind.Every,
        Every = TimeSpan.FromMinutes(1),
        Target = """{"type":"noop"}""",
        NextFireAt = T0,
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    private static RunRecord Run(string id, string jobId) => new()
    {
        Id = id,
        JobId = jobId,
        ScheduledFor = T0,
        ReadyAt = T0,
        Target = """{"type":"noop"}""",
        CreatedAt = T0,
    };

    /// <summary>The database file's bytes and the folder's file names (a WAL left behind would show).</summary>
    private (string Hash, string Files) Snapshot() =>
        (Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_database.FilePath))),
            string.Join(",", Directory.GetFiles(_database.Folder).Select(Path.GetFileName).Order(StringComparer.Ordinal)));

    private string[] Query(string sql, string? path = null)
    {
        using var connection = RawConnection(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture) ?? "");
        }

        return [.. values];
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = RawConnection(null);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Bind(name, value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>A database as a version-1 binary left it: only migration 0001 applied and recorded.</summary>
    private void CreateVersion1Database()
    {
        var version1 = SqlQueries.Migrations.All.Single(m => m.Version == 1);
        Execute(SqlQueries.SchemaVersionCreate);
        Execute(version1.Sql);
        Execute("INSERT INTO schema_version (version, applied_at) VALUES (1, 0)");
    }

    /// <summary>A plain, unpooled connection: closing it really closes the file.</summary>
    private SqliteConnection RawConnection(string? path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path ?? _database.FilePath, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static (int Requeued, int Lost) Counts(RescueRunsResult result) => (result.Requeued, result.Lost);
}
