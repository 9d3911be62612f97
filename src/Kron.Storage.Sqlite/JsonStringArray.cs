using System.Text;
using System.Text.Json;

namespace Kron.Storage.Sqlite;

/// <summary>
/// A list of strings as JSON array text: how <c>jobs.tags</c> is stored, and how a list is bound as one parameter
/// that SQL reads with <c>json_each</c>.
/// </summary>
internal static class JsonStringArray
{
    public static string Write(IEnumerable<string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteStringValue(value);
            }

            writer.WriteEndArray();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Integers as a JSON array (shard lists), or null for no list.</summary>
    public static string? WriteIntegers(IEnumerable<int>? values) =>
        values is null ? null : "[" + string.Join(',', values.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))) + "]";

    /// <exception cref="InvalidDataException">The array holds a null.</exception>
    public static string[] Read(string json, string column)
    {
        // Most jobs have no tags, and every due job is read: that case allocates nothing (not even the closure below).
        return json == "[]" ? [] : Parse(json, column);
    }

    private static string[] Parse(string json, string column)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(e => e.GetString() ?? throw new InvalidDataException($"{column} holds a null."))];
    }
}
