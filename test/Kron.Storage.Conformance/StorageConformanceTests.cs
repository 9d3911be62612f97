using Kron.Core.Model;
using Kron.Testing;

namespace Kron.Storage.Conformance;

/// <summary>
/// The behaviour every <see cref="IStorageDriver"/> must have (DESIGN §5; HOUSE_STYLE §4.4). A driver's test project
/// subclasses this suite unchanged; a legitimate deviation is an override with a comment saying why.
/// </summary>
/// <remarks>
/// <para>
/// Each test gets its own driver from <see cref="CreateDriverAsync"/>: a fresh, empty database already migrated to
/// the latest schema (migrating is driver-specific setup, and PostgreSQL can hand out pre-migrated schemas cheaply).
/// Migrating from nothing, refusing a newer schema and reopening are tested by each driver's own tests. The suite
/// disposes the driver after the test.
/// </para>
/// <para>
/// The suite never reads the driver's clock: every operation that depends on "now" is given <c>Now</c> explicitly,
/// except the tests that check what a missing <c>Now</c> means, which only use instants far in the past or future.
/// Instants are microsecond-precise UTC, what both databases keep.
/// </para>
/// </remarks>
public abstract partial class StorageConformanceTests : IAsyncLifetime
{
    /// <summary>The instant the tests' story starts at.</summary>
    protected static readonly DateTimeOffset T0 = new(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>The lease length the tests claim with.</summary>
    protected static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    protected const string NoopTarget = """{"type":"noop"}""";

    private static readonly string[] NoTags = [];

    private readonly ManualTimeProvider _idClock = new(T0);
    private IStorageDriver? _driver;

    /// <summary>A driver on a fresh, empty database, migrated to the latest schema, owned by one test.</summary>
    protected abstract Task<IStorageDriver> CreateDriverAsync();

    /// <summary>The driver under test.</summary>
    protected IStorageDriver Driver => _driver ?? throw new InvalidOperationException("InitializeAsync has not run.");

    /// <summary>The token the suite passes to the driver (xunit 2 has no per-test token).</summary>
    protected static CancellationToken Ct => CancellationToken.None;

    public async Task InitializeAsync() => _driver = await CreateDriverAsync();

    public async Task DisposeAsync()
    {
        if (_driver is not null)
        {
            await _driver.DisposeAsync();
        }
    }

    [Fact]
    public async Task MigrateAsync_OnMigratedDatabase_ChangesNothing()
    {
        var status = await Driver.GetStatusAsync(Ct);

        var result = await Driver.MigrateAsync(new MigrateParams(), Ct);

        Assert.Equal(new MigrateResult(status.LatestVersion, status.LatestVersion), result);
        Assert.Equal(status, await Driver.GetStatusAsync(Ct));
    }

    [Fact]
    public async Task GetStatusAsync_MigratedDatabase_IsCurrent()
    {
        var status = await Driver.GetStatusAsync(Ct);

        Assert.True(status.LatestVersion >= 1);
        Assert.Equal(status.LatestVersion, status.SchemaVersion);
        Assert.True(status.IsCurrent);
    }

    /// <summary>A new id, later than every id made before it in this test (ids are time-sortable).</summary>
    protected string NewId()
    {
        _idClock.Advance(TimeSpan.FromMilliseconds(1));
        return Ids.New(_idClock);
    }

    /// <summary>A recurring job with defaults; tests change what matters to them with <c>with</c>.</summary>
    protected JobRecord NewJob()
    {
        var id = NewId();
        return new JobRecord
        {
            Id = id,
            Name = "job " + id[^6..],
            ScheduleKind = ScheduleKind.Every,
            Every = TimeSpan.FromMinutes(1),
            Target = NoopTarget,
            Shard = Ids.ShardOf(id, Ids.DefaultShardCount),
            NextFireAt = T0.AddMinutes(1),
            CreatedAt = T0,
            UpdatedAt = T0,
        };
    }

    /// <summary>A queued first attempt of a job's slot, ready at the slot.</summary>
    protected RunRecord NewRun(string jobId, DateTimeOffset scheduledFor) => new()
    {
        Id = NewId(),
        JobId = jobId,
        Shard = Ids.ShardOf(jobId, Shards.Count),
        ScheduledFor = scheduledFor,
        MaxAttempts = 3,
        ReadyAt = scheduledFor,
        Target = NoopTarget,
        CreatedAt = T0,
    };

    protected async Task<JobRecord> InsertJobAsync(JobRecord job)
    {
        var result = await Driver.InsertJobAsync(new InsertJobParams(job), Ct);
        Assert.True(result.Created);
        return result.Job;
    }

    /// <summary>Inserts runs, asserting that each slot was free.</summary>
    protected async Task InsertRunsAsync(params RunRecord[] runs)
    {
        foreach (var run in runs)
        {
            Assert.True((await Driver.InsertRunAsync(new InsertRunParams(run), Ct)).Inserted);
        }
    }

    protected async Task<JobRecord> GetJobAsync(string id) =>
        await Driver.GetJobAsync(new GetJobParams(id), Ct) ?? throw new InvalidOperationException($"Job {id} is gone.");

    protected async Task<RunRecord> GetRunAsync(string id) =>
        await Driver.GetRunAsync(new GetRunParams(id), Ct) ?? throw new InvalidOperationException($"Run {id} is gone.");

    protected async Task<IReadOnlyList<RunRecord>> ClaimAsync(string owner, DateTimeOffset now, int limit = 100) =>
        (await Driver.ClaimRunsAsync(new ClaimRunsParams(owner, limit, Lease, now), Ct)).Runs;

    /// <summary>Inserts a run ready at <see cref="T0"/> and claims it at <see cref="T0"/>.</summary>
    protected async Task<RunRecord> InsertAndClaimAsync(DeliveryGuarantee delivery = DeliveryGuarantee.AtLeastOnce)
    {
        var job = await InsertJobAsync(NewJob());
        var run = NewRun(job.Id, T0) with { Delivery = delivery };
        await InsertRunsAsync(run);
        return Assert.Single(await ClaimAsync("node-1", T0));
    }

    protected async Task<bool> CompleteAsync(RunCompletion completion, DateTimeOffset now) =>
        Assert.Single((await Driver.CompleteRunsAsync(new CompleteRunsParams([completion], now), Ct)).Accepted);

    /// <summary>Records compare their lists by reference: compare tags by content, then everything else.</summary>
    protected static void AssertSameJob(JobRecord expected, JobRecord actual)
    {
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected with { Tags = NoTags }, actual with { Tags = NoTags });
    }

    /// <summary>Every id of a listing, paging through with the cursor.</summary>
    protected async Task<List<List<string>>> PageJobsAsync(int limit, string? tag = null, bool? paused = null)
    {
        var pages = new List<List<string>>();
        string? cursor = null;
        do
        {
            var page = await Driver.ListJobsAsync(new ListJobsParams(limit, cursor, tag, paused), Ct);
            pages.Add([.. page.Items.Select(j => j.Id)]);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return pages;
    }
}
