using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// Counts what a rescue did from the rows it returned, one per rescued run with the run's new state (its wire name)
/// first: lost (at most once) or queued again (at least once).
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
        int requeued = 0, lost = 0;
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (WireEnums.Parse<RunState>(reader.GetString(0), "state") == RunState.Lost)
            {
                lost++;
            }
            else
            {
                requeued++;
            }
        }

        return new RescueRunsResult(requeued, lost);
    }
}
