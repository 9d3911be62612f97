using System.Data;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// Kron's storage on PostgreSQL: the database every node of a cluster shares, and the arbiter of every race between
/// them (DESIGN §1, §3, §5).
/// </summary>
/// <remarks>
/// <para>
/// Each operation borrows a pooled connection from one <see cref="NpgsqlDataSource"/> and is one transaction: a single
/// statement, an <see cref="NpgsqlBatch"/> (one round trip, one implicit transaction), or an explicit transaction when
/// a later statement needs what an earlier one returned. Races between nodes are settled by the database: row locks
/// with <c>FOR UPDATE SKIP LOCKED</c> for claims, rescues and shard acquisition, compare-and-set updates for fires and
/// job versions, <c>ON CONFLICT</c> for job keys and run slots, and share-locked shard leases for fenced writes.
/// </para>
/// <para>
/// "Now" is the operation's <c>Now</c> when set (tests fake time), else the database's <c>now()</c>: leases never read
/// a node's clock, so clock skew between nodes cannot split ownership. Statements run with typed parameters and are
/// prepared automatically after a couple of uses.
/// </para>
/// <para>
/// Connection loss: Npgsql drops a connection that failed, and on such a failure the driver also clears the pool, so
/// that no idle connection to a server that went away is handed out again. Operations fail while the server is down
/// and succeed as soon as it (or, with several hosts and <c>Target Session Attributes=primary</c>, the new primary)
/// accepts connections again.
/// </para>
/// </remarks>
public sealed partial class PostgresDriver : IStorageDriver, IStorageHints
{
    /// <summary>The first page's cursor: ids are ASCII and compare byte-wise (COLLATE "C"), so all sort below U+FFFF.</summary>
    private const string AboveEveryId = "\uffff";

    /// <summary>Statements prepared per connection when the connection string does not say (Npgsql's default is none).</summary>
    private const int DefaultMaxAutoPrepare = 64;

    /// <summary>Seconds of silence before the listening connection checks that the server is still there.</summary>
    private const int ListenKeepAliveSeconds = 10;

    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenDataSource;
    private int _disposed;

    /// <summary>The server-side limit on a transaction left idle by its client (see <see cref="Open"/>).</summary>
    internal const string IdleInTransactionOption = "-c idle_in_transaction_session_timeout=2000";

    private PostgresDriver(NpgsqlDataSource dataSource, NpgsqlDataSource listenDataSource)
    {
        _dataSource = dataSource;
        _listenDataSource = listenDataSource;
    }

    /// <summary>
    /// Opens a driver on a PostgreSQL database. Connects lazily: nothing is sent until the first operation. Does not
    /// migrate: call <see cref="MigrateAsync"/> before anything else.
    /// </summary>
    /// <param name="connectionString">
    /// Npgsql keywords (<c>Host=db1,db2;Database=kron;Username=kron;Target Session Attributes=primary</c>) or a
    /// <c>postgres://</c> URI (<c>postgres://kron:secret@db1:5432,db2:5432/kron?target_session_attrs=primary</c>);
    /// see <see cref="PostgresConnectionString.Normalize"/>.
    /// </param>
    /// <exception cref="ArgumentException">The connection string is not valid; the message says what to fix.</exception>
    public static PostgresDriver Open(string connectionString)
    {
        var normalized = PostgresConnectionString.Normalize(connectionString);

        var builder = new NpgsqlDataSourceBuilder(normalized);
        var settings = builder.ConnectionStringBuilder;
        if (settings.MaxAutoPrepare == 0)
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        settings.ApplicationName ??= "kron";

        // A node frozen in the middle of a transaction (SIGSTOP, a VM pause) would keep its FOR SHARE locks on shard
        // leases, and no one could take those shards over until it woke up. Kron's transactions never wait on the
        // client, so the server ends one left idle for 2 s and releases its locks: takeover stays within the lease TTL.
        settings.Options = (settings.Options is { Length: > 0 } options ? options + " " : string.Empty) + IdleInTransactionOption;
        if (settings.Host is { } host && !host.Contains(',', StringComparison.Ordinal))
        {
            // Npgsql honours Target Session Attributes only with several hosts and refuses it with one. With one host
            // there is nothing to choose: a standby would refuse every write anyway.
            settings.TargetSessionAttributes = null;
        }

        // LISTEN needs a connection of its own for as long as it listens: not from the pool, and probed while idle so
        // that a server that went away silently is noticed.
        var listenBuilder = new NpgsqlDataSourceBuilder(settings.ConnectionString);
        listenBuilder.ConnectionStringBuilder.Pooling = false;
        listenBuilder.ConnectionStringBuilder.ApplicationName = settings.ApplicationName + " hints";
        if (listenBuilder.ConnectionStringBuilder.KeepAlive == 0)
        {
            listenBuilder.ConnectionStringBuilder.KeepAlive = ListenKeepAliveSeconds;
        }

        return new PostgresDriver(builder.Build(), listenBuilder.Build());
    }

    /// <inheritdoc/>
    public Task<MigrateResult> MigrateAsync(MigrateParams parameters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return TransactionAsync(
            IsolationLevel.ReadCommitted,
            async (connection, ct) =>
            {
                // Every node may start at once on an empty database: the advisory lock lets one migrate while the
                // others wait, then find the schema current (each statement after the lock sees what was committed).
                await ExecuteAsync(connection, SqlQueries.MigrationLock, ct).ConfigureAwait(false);

                var from = await ReadSchemaVersionAsync(connection, ct).ConfigureAwait(false);
                if (from > SqlQueries.Migrations.Latest)
                {
                    // Nothing was written: the transaction rolls back, releasing the lock.
                    throw new SchemaTooNewException(from, SqlQueries.Migrations.Latest);
                }

                await ExecuteAsync(connection, SqlQueries.SchemaVersionCreate, ct).ConfigureAwait(false);
                foreach (var migration in SqlQueries.Migrations.All.Where(m => m.Version > from))
                {
                    await ExecuteAsync(connection, migration.Sql, ct).ConfigureAwait(false);
                    using var record = new NpgsqlCommand(SqlQueries.SchemaVersionInsert, connection);
                    record.Parameters.Integer("version", migration.Version);
                    await record.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                return new MigrateResult(from, Math.Max(from, SqlQueries.Migrations.Latest));
            },
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StorageStatus> GetStatusAsync(CancellationToken cancellationToken) =>
        ConnectionAsync(
            async (connection, ct) => new StorageStatus(await ReadSchemaVersionAsync(connection, ct).ConfigureAwait(false), SqlQueries.Migrations.Latest),
            cancellationToken);

    /// <summary>Stops every <see cref="ListenAsync"/> (their enumerations end) and closes every pooled connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _stopListening.CancelAsync().ConfigureAwait(false);
        await StatisticsCheck.ConfigureAwait(false);
        await _listenDataSource.DisposeAsync().ConfigureAwait(false);
        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _stopListening.Dispose();
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection (autocommit: each statement or batch is a transaction).</summary>
    private async Task<T> ConnectionAsync<T>(Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        try
        {
            var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await work(connection, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException exception) when (ForgetConnectionsOnLoss(exception))
        {
            throw; // Never reached: the filter only cleans up.
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction on a pooled connection; commits if it returns.</summary>
    private Task<T> TransactionAsync<T>(IsolationLevel isolation, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        ConnectionAsync(
            async (connection, ct) =>
            {
                var transaction = await connection.BeginTransactionAsync(isolation, ct).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await work(connection, ct).ConfigureAwait(false);
                    await transaction.CommitAsync(ct).ConfigureAwait(false);
                    return result;
                }
            },
            cancellationToken);

    /// <summary>
    /// Exception filter: when the connection to the server was lost (the server restarted or a failover happened),
    /// every idle pooled connection is as dead as this one, so drop them all, and with several hosts forget which one
    /// was primary. Returns false: the exception goes on to the caller unchanged.
    /// </summary>
    private bool ForgetConnectionsOnLoss(NpgsqlException exception)
    {
        if (IsConnectionLoss(exception) && Volatile.Read(ref _disposed) == 0)
        {
            _dataSource.Clear();
            (_dataSource as NpgsqlMultiHostDataSource)?.ClearDatabaseStates();
        }

        return false;
    }

    /// <summary>
    /// The server went away or cannot be reached: no answer at all (an I/O failure, a connection timeout), or SQL state
    /// class 08 (connection exception) or 57P (operator intervention: shutdown, crash, not yet accepting connections).
    /// </summary>
    private static bool IsConnectionLoss(NpgsqlException exception) => exception switch
    {
        PostgresException postgres => postgres.SqlState.StartsWith("08", StringComparison.Ordinal) || postgres.SqlState.StartsWith("57P", StringComparison.Ordinal),
        _ => true,
    };

    private static async Task<int> ReadSchemaVersionAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        using (var exists = new NpgsqlCommand(SqlQueries.SchemaVersionTableExists, connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return 0;
            }
        }

        using var get = new NpgsqlCommand(SqlQueries.SchemaVersionGet, connection);
        return Convert.ToInt32(await get.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task<int> ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A batch command with its parameters bound.</summary>
    private static NpgsqlBatchCommand Statement(string sql, Action<NpgsqlParameterCollection>? bind = null)
    {
        var command = new NpgsqlBatchCommand(sql);
        bind?.Invoke(command.Parameters);
        return command;
    }

    private static NpgsqlBatch Batch(NpgsqlConnection connection, params IEnumerable<NpgsqlBatchCommand> statements)
    {
        var batch = new NpgsqlBatch(connection);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(statement);
        }

        return batch;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, Action<NpgsqlParameterCollection> bind)
    {
        var command = new NpgsqlCommand(sql, connection);
        bind(command.Parameters);
        return command;
    }
}
