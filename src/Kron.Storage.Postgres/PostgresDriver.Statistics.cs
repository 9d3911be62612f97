using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// A new database's first statistics. Npgsql prepares Kron's statements, and PostgreSQL may keep a generic plan made
/// while <c>jobs</c> and <c>runs</c> were nearly empty (a sequential scan for the fire's compare-and-set, a walk of every
/// running run for a batched completion) until autovacuum first analyzes them, up to a minute after the first writes;
/// until then pick-up took about twice as long (docs/benchmarks.md, round 4). So once this driver has written a few
/// thousand runs, it analyzes whichever of the two tables has never been analyzed; on any database that has been, this
/// is one catalog query per process. Best effort: a failure (a user that does not own the tables) changes nothing.
/// </summary>
public sealed partial class PostgresDriver
{
    /// <summary>Runs written through this driver before it looks at the tables' statistics (once).</summary>
    internal const int RunsBeforeStatisticsCheck = 2000;

    private int _runsWritten;
    private int _statisticsChecked;

    /// <summary>The statistics check, once started (tests wait for it); the driver's disposal waits for it too.</summary>
    internal Task StatisticsCheck { get; private set; } = Task.CompletedTask;

    private void NoteRunsWritten(int count)
    {
        if (count == 0 || Volatile.Read(ref _statisticsChecked) != 0)
        {
            return;
        }

        if (Interlocked.Add(ref _runsWritten, count) >= RunsBeforeStatisticsCheck && Interlocked.Exchange(ref _statisticsChecked, 1) == 0)
        {
            StatisticsCheck = Task.Run(AnalyzeTablesNeverAnalyzedAsync);
        }
    }

    private async Task AnalyzeTablesNeverAnalyzedAsync()
    {
        try
        {
            var connection = await _dataSource.OpenConnectionAsync().ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var tables = new List<string>();
                using (var query = new NpgsqlCommand(SqlQueries.TablesNeverAnalyzed, connection))
                {
                    var reader = await query.ExecuteReaderAsync().ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync().ConfigureAwait(false))
                        {
                            tables.Add(reader.GetString(0));
                        }
                    }
                }

                foreach (var table in tables)
                {
                    // The names come from the catalog query above, which only returns "jobs" or "runs".
#pragma warning disable CA2100
                    using var analyze = new NpgsqlCommand("ANALYZE " + table, connection);
#pragma warning restore CA2100
                    await analyze.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }
        }
#pragma warning disable CA1031 // Best effort: without it, autovacuum analyzes the tables within a minute anyway.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
