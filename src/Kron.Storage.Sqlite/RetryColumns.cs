using Kron.Core.Model;
using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>
/// Binds a <see cref="RetryPolicy"/> as the four <c>retry_*</c> columns that <c>jobs</c> and <c>runs</c> share: intervals
/// in microseconds, the multiplier as REAL, the jitter by its wire name (read back by <see cref="RecordColumns.Retry"/>).
/// </summary>
internal static class RetryColumns
{
    public static SqliteCommand BindRetry(this SqliteCommand command, RetryPolicy retry) => command
        .Bind("@retry_initial_interval", Microseconds.FromDuration(retry.InitialInterval))
        .Bind("@retry_max_interval", Microseconds.FromDuration(retry.MaxInterval))
        .Bind("@retry_multiplier", retry.Multiplier)
        .Bind("@retry_jitter", WireEnums.Name(retry.Jitter));
}
