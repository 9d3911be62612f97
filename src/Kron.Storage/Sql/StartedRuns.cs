using System.Data.Common;
using System.Diagnostics.CodeAnalysis;

namespace Kron.Storage.Sql;

/// <summary>Reads what a start stamp did from the rows it returned: the id of each run it stamped.</summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class StartedRuns
{
    /// <summary>Reads the rest of the current result set; one answer per lease, in the caller's order.</summary>
    public static async Task<StartRunsResult> ReadAsync(DbDataReader reader, IReadOnlyList<RunLease> leases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(leases);
        var started = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            started.Add(reader.GetString(0));
        }

        return new StartRunsResult([.. leases.Select(l => started.Contains(l.RunId))]);
    }
}
