using Kron.Storage.Sql;

namespace Kron.Storage.Postgres;

/// <summary>
/// The driver's SQL: the named queries of its embedded <c>Sql/*.sql</c> files (each after a <c>-- name: Name</c> line)
/// and its migrations <c>Sql/Migrations/NNNN_name.sql</c>, read by the shared <see cref="NamedQueries"/> and
/// <see cref="SchemaMigrations"/> from this assembly. A query named here but missing from the files fails at type
/// load, so any test finds it.
/// </summary>
internal static class SqlQueries
{
    private static readonly NamedQueries Named = NamedQueries.Load(typeof(SqlQueries).Assembly);

    public static readonly SchemaMigrations Migrations = SchemaMigrations.Load(typeof(SqlQueries).Assembly);

    public static readonly string MigrationLock = Named.Get(nameof(MigrationLock));
    public static readonly string SchemaVersionTableExists = Named.Get(nameof(SchemaVersionTableExists));
    public static readonly string SchemaVersionGet = Named.Get(nameof(SchemaVersionGet));
    public static readonly string SchemaVersionCreate = Named.Get(nameof(SchemaVersionCreate));
    public static readonly string SchemaVersionInsert = Named.Get(nameof(SchemaVersionInsert));

    public static readonly string JobInsert = Named.Get(nameof(JobInsert));
    public static readonly string JobFireMany = Named.Get(nameof(JobFireMany));
    public static readonly string RunCompleteMany = Named.Get(nameof(RunCompleteMany));
    public static readonly string JobGetInserted = Named.Get(nameof(JobGetInserted));
    public static readonly string JobGet = Named.Get(nameof(JobGet));
    public static readonly string JobList = Named.Get(nameof(JobList));
    public static readonly string JobUpdate = Named.Get(nameof(JobUpdate));
    public static readonly string JobExists = Named.Get(nameof(JobExists));
    public static readonly string JobDelete = Named.Get(nameof(JobDelete));
    public static readonly string JobGetDue = Named.Get(nameof(JobGetDue));
    public static readonly string JobGetDueInShards = Named.Get(nameof(JobGetDueInShards));
    public static readonly string JobNextFireAfter = Named.Get(nameof(JobNextFireAfter));
    public static readonly string JobNextFireAfterInShards = Named.Get(nameof(JobNextFireAfterInShards));
    public static readonly string JobFire = Named.Get(nameof(JobFire));

    public static readonly string RunInsert = Named.Get(nameof(RunInsert));
    public static readonly string RunInsertMany = Named.Get(nameof(RunInsertMany));
    public static readonly string TablesNeverAnalyzed = Named.Get(nameof(TablesNeverAnalyzed));
    public static readonly string RunReadyHint = Named.Get(nameof(RunReadyHint));
    public static readonly string RunGet = Named.Get(nameof(RunGet));
    public static readonly string RunList = Named.Get(nameof(RunList));
    public static readonly string RunCount = Named.Get(nameof(RunCount));
    public static readonly string RunListByJob = Named.Get(nameof(RunListByJob));
    public static readonly string RunListByState = Named.Get(nameof(RunListByState));
    public static readonly string RunClaim = Named.Get(nameof(RunClaim));
    public static readonly string RunStartMany = Named.Get(nameof(RunStartMany));
    public static readonly string RunExtendLease = Named.Get(nameof(RunExtendLease));
    public static readonly string RunComplete = Named.Get(nameof(RunComplete));
    public static readonly string RunRetry = Named.Get(nameof(RunRetry));
    public static readonly string RunListByQueue = Named.Get(nameof(RunListByQueue));
    public static readonly string WorkerSeen = Named.Get(nameof(WorkerSeen));
    public static readonly string WorkerTouch = Named.Get(nameof(WorkerTouch));
    public static readonly string QueueLimits = Named.Get(nameof(QueueLimits));
    public static readonly string QueueLeasedCounts = Named.Get(nameof(QueueLeasedCounts));
    public static readonly string QueueLease = Named.Get(nameof(QueueLease));
    public static readonly string WorkerList = Named.Get(nameof(WorkerList));
    public static readonly string WorkerHeldRuns = Named.Get(nameof(WorkerHeldRuns));
    public static readonly string QueueDepths = Named.Get(nameof(QueueDepths));
    public static readonly string QueueList = Named.Get(nameof(QueueList));
    public static readonly string QueueSetLimit = Named.Get(nameof(QueueSetLimit));
    public static readonly string RunRescue = Named.Get(nameof(RunRescue));
    public static readonly string RunDeleteFinished = Named.Get(nameof(RunDeleteFinished));
    public static readonly string RunGetActive = Named.Get(nameof(RunGetActive));
    public static readonly string RunCancel = Named.Get(nameof(RunCancel));
    public static readonly string RunRedrive = Named.Get(nameof(RunRedrive));

    public static readonly string ClockNow = Named.Get(nameof(ClockNow));
    public static readonly string NodeUpsert = Named.Get(nameof(NodeUpsert));
    public static readonly string ShardRenew = Named.Get(nameof(ShardRenew));
    public static readonly string NodeList = Named.Get(nameof(NodeList));
    public static readonly string ShardList = Named.Get(nameof(ShardList));
    public static readonly string ShardFenceLock = Named.Get(nameof(ShardFenceLock));
    public static readonly string ShardAcquire = Named.Get(nameof(ShardAcquire));
    public static readonly string ShardRelease = Named.Get(nameof(ShardRelease));
    public static readonly string ShardReleaseAll = Named.Get(nameof(ShardReleaseAll));
    public static readonly string NodeDelete = Named.Get(nameof(NodeDelete));
    public static readonly string NodeForget = Named.Get(nameof(NodeForget));

    public static readonly string HintsListen = Named.Get(nameof(HintsListen));
}
