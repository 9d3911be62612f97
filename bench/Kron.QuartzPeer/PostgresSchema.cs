using Npgsql;

namespace Kron.QuartzPeer;

/// <summary>
/// Empties Quartz's tables on the benchmark database before a run. Creating them is Quartz's own job here
/// (<c>ProvisionSchema()</c>, see <see cref="PeerScheduler"/>): Quartz 4.7.3 validates a schema at startup that is
/// newer than any <c>database/tables/tables_postgres.sql</c> this repository could copy (README.md).
/// </summary>
internal static class PostgresSchema
{
    // Every Quartz table but qrtz_locks, whose rows are the lock names Quartz selects FOR UPDATE.
    private const string TablesSql =
        "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = current_schema() " +
        "AND tablename LIKE 'qrtz\\_%' AND tablename <> 'qrtz_locks' ORDER BY tablename";

    /// <summary>Truncates the Quartz tables that exist; returns how many there were (0 on a fresh database).</summary>
    public static async Task<int> ClearAsync(string connectionString, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(TablesSql, connection))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                tables.Add(reader.GetString(0));
            }
        }

        if (tables.Count > 0)
        {
            await using var truncate = new NpgsqlCommand("TRUNCATE " + string.Join(", ", tables), connection);
            await truncate.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return tables.Count;
    }
}
