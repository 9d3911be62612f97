using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

internal static class SqliteCommandExtensions
{
    /// <summary>
    /// While <see cref="Rebind"/> runs on this thread: the position (plus one) of the next parameter whose value
    /// <see cref="Bind"/> replaces; 0 otherwise. Binding is synchronous, so the state cannot leak to another command.
    /// </summary>
    [ThreadStatic]
    private static int t_rebindAt;

    /// <summary>Adds a parameter; null becomes SQL NULL. Within <see cref="Rebind"/>, sets the next one's value instead.</summary>
    public static SqliteCommand Bind(this SqliteCommand command, string name, object? value)
    {
        if (t_rebindAt == 0)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
            return command;
        }

        var parameter = command.Parameters[t_rebindAt - 1];
        if (!string.Equals(parameter.ParameterName, name, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"A command was rebound with {name} where it had {parameter.ParameterName}: bind the same parameters in the same order every time.");
        }

        parameter.Value = value ?? DBNull.Value;
        t_rebindAt++;
        return command;
    }

    /// <summary>
    /// Binds a command reused across a batch, one row after the other. The first row adds the parameters; the next
    /// ones set their values in place, in the same order, so a row allocates no <see cref="SqliteParameter"/>s (the
    /// statement stays prepared either way). Measured in docs/benchmarks.md, "Allocations on the hot path".
    /// </summary>
    public static void Rebind(this SqliteCommand command, Action<SqliteCommand> bind)
    {
        if (command.Parameters.Count == 0)
        {
            bind(command);
            return;
        }

        t_rebindAt = 1;
        try
        {
            bind(command);
            if (t_rebindAt - 1 != command.Parameters.Count)
            {
                throw new InvalidOperationException($"A command was rebound with {t_rebindAt - 1} parameters where it had {command.Parameters.Count}.");
            }
        }
        finally
        {
            t_rebindAt = 0;
        }
    }
}
