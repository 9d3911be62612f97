using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// Reads what a rescue did from the rows it returned, one per rescued run: its new state (a wire name: lost, at most
/// once, or queued again, at least once), id, job id, attempt and error, in that order.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class RescuedRuns
{
    /// <summary>Reads the rest of the current result set.</summary>
    /// <exception cref="InvalidDataException">A state is not a wire name this binary knows.</exception>
    public static async Task<RescueRunsResult> CountAsync(DbDataReader reader, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var runs = new List<RescuedRun>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            runs.Add(new RescuedRun(
                reader.GetString(1),
                reader.GetString(2),
                WireEnums.Parse<RunState>(reader.GetString(0), "state"),
                Convert.ToInt32(reader.GetValue(3), System.Globalization.CultureInfo.InvariantCulture),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return Of(runs);
    }

    /// <summary>The result of these rescued runs: the counts by new state, and the runs.</summary>
    public static RescueRunsResult Of(IReadOnlyList<RescuedRun> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var lost = runs.Count(r => r.State == RunState.Lost);
        return new RescueRunsResult(runs.Count - lost, lost) { Runs = runs };
    }
}
