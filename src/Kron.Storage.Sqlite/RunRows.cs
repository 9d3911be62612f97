using System.Text.Json;
using Kron.Storage.Sql;
using Microsoft.Data.Sqlite;

namespace Kron.Storage.Sqlite;

/// <summary>Maps <see cref="RunRecord"/> to the parameters of Sql/runs.sql and rows of <c>runs</c> back.</summary>
internal static class RunRows
{
    /// <summary>
    /// Writes every column of the <c>runs</c> table as one JSON array, in the column order of <c>RunInsert</c>
    /// (Sql/runs.sql): instants and durations in microseconds, enums by their wire names, booleans as 0 or 1.
    /// </summary>
    public static void WriteJson(Utf8JsonWriter json, RunRecord run)
    {
        json.WriteStartArray();
        json.WriteStringValue(run.Id);
        json.WriteStringValue(run.JobId);
        json.WriteNumberValue(run.Shard);
        json.WriteNumberValue(Microseconds.FromInstant(run.ScheduledFor));
        json.WriteStringValue(run.Trigger);
        json.WriteNumberValue(run.Attempt);
        json.WriteNumberValue(run.MaxAttempts);
        json.WriteStringValue(WireEnums.Name(run.State));
        json.WriteNumberValue(Microseconds.FromInstant(run.ReadyAt));
        json.WriteNumberValue(run.Priority);
        json.WriteStringValue(run.Target);
        WriteNullable(json, run.Payload);
        json.WriteNumberValue(Microseconds.FromDuration(run.Timeout));
        json.WriteStringValue(WireEnums.Name(run.Delivery));
        json.WriteNumberValue(Microseconds.FromDuration(run.Retry.InitialInterval));
        json.WriteNumberValue(Microseconds.FromDuration(run.Retry.MaxInterval));
        json.WriteNumberValue(run.Retry.Multiplier);
        json.WriteStringValue(WireEnums.Name(run.Retry.Jitter));
        json.WriteNumberValue(run.CancelRequested ? 1 : 0);
        WriteNullable(json, run.LeaseOwner);
        WriteNullable(json, run.LeaseToken);
        WriteNullable(json, Microseconds.FromInstant(run.LeaseExpiresAt));
        WriteNullable(json, Microseconds.FromInstant(run.StartedAt));
        WriteNullable(json, Microseconds.FromInstant(run.FinishedAt));
        WriteNullable(json, run.Node);
        WriteNullable(json, run.ExitCode);
        WriteNullable(json, run.HttpStatus);
        WriteNullable(json, run.Error);
        WriteNullable(json, run.Output);
        WriteNullable(json, run.SkipReason);
        json.WriteNumberValue(Microseconds.FromInstant(run.CreatedAt));
        WriteNullable(json, run.Queue);
        json.WriteEndArray();
    }

    public static void WriteNullable(Utf8JsonWriter json, string? value)
    {
        if (value is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStringValue(value);
        }
    }

    public static void WriteNullable(Utf8JsonWriter json, long? value)
    {
        if (value is { } v)
        {
            json.WriteNumberValue(v);
        }
        else
        {
            json.WriteNullValue();
        }
    }

    public static void WriteNullable(Utf8JsonWriter json, int? value) => WriteNullable(json, (long?)value);

    /// <summary>Reads rows of <c>runs</c> (<c>SELECT *</c> or <c>RETURNING *</c>).</summary>
    public static async Task<List<RunRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken)
    {
        var runs = new List<RunRecord>();
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var row = new RowReader(reader);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                runs.Add(RecordColumns.Run(row));
            }
        }

        return runs;
    }
}
