using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

internal static class SqliteCommandExtensions
{
    /// <summary>Adds a parameter; null becomes SQL NULL.</summary>
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}
