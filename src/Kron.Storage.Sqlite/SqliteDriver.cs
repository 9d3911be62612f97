using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// Kron's storage in one SQLite file: the embedded default for a single node (DESIGN §1, §5).
/// </summary>
/// <remarks>
/// <para>
/// SQLite allows one writer at a time, so every write goes through one writer loop on one connection, inside a
/// <c>BEGIN IMMEDIATE</c> transaction: the races the PostgreSQL driver settles with row locks and
/// <c>SKIP LOCKED</c> cannot happen here. Reads use separate pooled connections and, thanks to WAL, never wait for
/// the writer.
/// </para>
/// <para>
/// Group commit: the writer loop takes every write waiting when it starts a transaction (up to
/// <see cref="MaxGroup"/>) and runs them one after another in that one transaction, each inside its own savepoint, then
/// commits once. A commit costs one fsync (milliseconds on most disks), so 32 API requests registering jobs at the same
/// time, or the trigger's fire, the dispatcher's claim and its completions, share one fsync instead of paying one each.
/// A write that throws rolls back to its savepoint and fails alone; a failed commit fails every write of the group,
/// none of which is then on disk. Each caller's task completes only after the commit, so "done" still means durable.
/// </para>
/// <para>
/// Pragmas: <c>journal_mode=WAL</c> (kept in the file), <c>synchronous=FULL</c> (a commit is on disk when the
/// call returns, so a job is durable when the API answers), <c>busy_timeout</c>, <c>foreign_keys=OFF</c> (runs
/// outlive deleted jobs). "Now" is the operation's <c>Now</c> when set, else the <see cref="TimeProvider"/> given
/// to <see cref="Open"/>: in one process that is the database clock.
/// </para>
/// </remarks>
public sealed partial class SqliteDriver : IStorageDriver
{
    /// <summary>The first page's cursor: ids are ASCII, so under SQLite's binary collation all sort below U+FFFF.</summary>
    private const string AboveEveryId = "\uffff";

    /// <summary>The most writes one transaction takes (bounds how long the first of them waits for its commit).</summary>
    private const int MaxGroup = 256;

    private readonly SqliteConnection _writer;

    /// <summary>The JSON of <see cref="JsonBatch"/>es, reused: they run only inside writes, one at a time.</summary>
    private readonly JsonBatchBuffers _batchBuffer = new();
    private readonly Channel<PendingWrite> _writes = Channel.CreateUnbounded<PendingWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writerLoop;
    private readonly string _readConnectionString;
    private readonly TimeProvider _time;
    private int _disposed;

    private SqliteDriver(string databasePath, SqliteConnection writer, string readConnectionString, TimeProvider time)
    {
        DatabasePath = databasePath;
        _writer = writer;
        _readConnectionString = readConnectionString;
        _time = time;
        _writerLoop = Task.Run(WriterLoopAsync);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>
    /// Opens (creating if needed) the database file and its folder and switches it to WAL. Does not migrate: call
    /// <see cref="MigrateAsync"/> before anything else.
    /// </summary>
    /// <param name="databasePath">The database file, such as <c>data/kron.db</c>.</param>
    /// <param name="time">The clock used when an operation's <c>Now</c> is not set.</param>
    public static SqliteDriver Open(string databasePath, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(time);

        var fullPath = Path.GetFullPath(databasePath);
        if (Path.GetDirectoryName(fullPath) is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
        }

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        };
        var writer = new SqliteConnection(builder.ToString());
        try
        {
            writer.Open();
            var journalMode = Convert.ToString(Scalar(writer, SqlQueries.WriterJournalMode), CultureInfo.InvariantCulture);
            if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL for {fullPath} (journal mode is '{journalMode}'); Kron needs WAL.");
            }

            using var setup = writer.CreateCommand();
            setup.CommandText = SqlQueries.ConnectionSetup;
            setup.ExecuteNonQuery();
        }
        catch
        {
            writer.Dispose();
            throw;
        }

        builder.Mode = SqliteOpenMode.ReadWrite;
        builder.Pooling = true;
        return new SqliteDriver(fullPath, writer, builder.ToString(), time);
    }

    /// <inheritdoc/>
    public Task<MigrateResult> MigrateAsync(MigrateParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return WriteAsync(
            async (transaction, ct) =>
            {
                var from = await ReadSchemaVersionAsync(transaction.Connection!, transaction, ct).ConfigureAwait(false);
                if (from > SqlQueries.Migrations.Latest)
                {
                    // Nothing was written yet: disposing the transaction rolls back nothing.
                    throw new SchemaTooNewException(from, SqlQueries.Migrations.Latest);
                }

                using (var create = Command(transaction, SqlQueries.SchemaVersionCreate))
                {
                    await create.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                foreach (var migration in SqlQueries.Migrations.All.Where(m => m.Version > from))
                {
                    using var apply = Command(transaction, migration.Sql);
                    await apply.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    using var record = Command(transaction, SqlQueries.SchemaVersionInsert)
                        .Bind("@version", migration.Version)
                        .Bind("@applied_at", Microseconds.FromInstant(_time.GetUtcNow()));
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                return new MigrateResult(from, Math.Max(from, SqlQueries.Migrations.Latest));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StorageStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ReadAsync(
            async (connection, ct) =>
                new StorageStatus(await ReadSchemaVersionAsync(connection, null, ct).ConfigureAwait(false), SqlQueries.Migrations.Latest),
            cancellationToken);

    /// <summary>Finishes the writes already asked for, then closes the file (WAL is checkpointed by the last close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _writes.Writer.TryComplete();
        await _writerLoop.ConfigureAwait(false);
        await _writer.DisposeAsync().ConfigureAwait(false);
        using var pooled = new SqliteConnection(_readConnectionString);
        SqliteConnection.ClearPool(pooled);
    }

    /// <summary>
    /// Runs <paramref name="work"/> in a write transaction on the single writer (possibly together with other writes,
    /// see the class remarks); the task completes once the transaction is committed.
    /// </summary>
    private Task<T> WriteAsync<T>(Func<SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var write = new PendingWrite<T>(work, cancellationToken);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(write), this);
        return write.Task;
    }

    private async Task WriterLoopAsync()
    {
        var group = new List<PendingWrite>(MaxGroup);
        var done = new List<PendingWrite>(MaxGroup);
        while (await _writes.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            done.Clear();
            while (group.Count < MaxGroup && _writes.Reader.TryRead(out var write))
            {
                if (!write.TryCancel())
                {
                    group.Add(write);
                }
            }

            if (group.Count == 0)
            {
                continue;
            }

            SqliteTransaction transaction;
            try
            {
                transaction = _writer.BeginTransaction(deferred: false);
            }
#pragma warning disable CA1031 // The loop must outlive any failure: each caller gets its own exception.
            catch (Exception e)
#pragma warning restore CA1031
            {
                group.ForEach(w => w.Fail(e));
                continue;
            }

            using (transaction)
            {
                foreach (var write in group)
                {
                    if (await write.RunAsync(transaction).ConfigureAwait(false))
                    {
                        done.Add(write);
                    }
                }

                try
                {
                    transaction.Commit();
                }
#pragma warning disable CA1031 // Not committed: every write of the group fails with the commit's error.
                catch (Exception e)
#pragma warning restore CA1031
                {
                    done.ForEach(w => w.Fail(e));
                    continue;
                }
            }

            done.ForEach(w => w.Succeed());
        }
    }

    /// <summary>A write waiting for the writer loop.</summary>
    private abstract class PendingWrite
    {
        private const string Savepoint = "kron_write";

        /// <summary>Fails it as cancelled if its caller gave up before it started.</summary>
        public abstract bool TryCancel();

        /// <summary>Runs it inside its savepoint; false if it threw (rolled back, caller failed).</summary>
        public async Task<bool> RunAsync(SqliteTransaction transaction)
        {
            transaction.Save(Savepoint);
            try
            {
                await RunCoreAsync(transaction).ConfigureAwait(false);
                transaction.Release(Savepoint);
                return true;
            }
#pragma warning disable CA1031 // The write's own failure goes to its caller; the other writes go on.
            catch (Exception e)
#pragma warning restore CA1031
            {
                transaction.Rollback(Savepoint);
                transaction.Release(Savepoint);
                Fail(e);
                return false;
            }
        }

        public abstract void Succeed();

        public abstract void Fail(Exception exception);

        protected abstract Task RunCoreAsync(SqliteTransaction transaction);
    }

    private sealed class PendingWrite<T>(Func<SqliteTransaction, CancellationToken, Task<T>> work, CancellationToken cancellationToken) : PendingWrite
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Task => _completion.Task;

        public override bool TryCancel() => cancellationToken.IsCancellationRequested && _completion.TrySetCanceled(cancellationToken);

        public override void Succeed() => _completion.TrySetResult(_result);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(cancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }

        protected override async Task RunCoreAsync(SqliteTransaction transaction) =>
            _result = await work(transaction, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> on a pooled read connection.</summary>
    private async Task<T> ReadAsync<T>(Func<SqliteConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var connection = new SqliteConnection(_readConnectionString);
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using (var setup = connection.CreateCommand())
            {
                setup.CommandText = SqlQueries.ConnectionSetup;
                await setup.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return await work(connection, cancellationToken).ConfigureAwait(false);
        }
    }

    private DateTimeOffset NowOr(DateTimeOffset? now) => now ?? _time.GetUtcNow();

    private static SqliteCommand Command(SqliteTransaction transaction, string sql) =>
        Command(transaction.Connection!, transaction, sql);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static async Task<int> ReadSchemaVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var exists = Command(connection, transaction, SqlQueries.SchemaVersionTableExists);
        if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
        {
            return 0;
        }

        using var get = Command(connection, transaction, SqlQueries.SchemaVersionGet);
        return Convert.ToInt32(await get.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task<int> ExecuteAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        using (command)
        {
            return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
