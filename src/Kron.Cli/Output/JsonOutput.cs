using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Kron.Protocol;

namespace Kron.Cli.Output;

/// <summary>
/// <c>--json</c>: writes what the API answered in the API's own JSON (<c>snake_case</c>, RFC 3339 instants, ISO 8601
/// durations, nulls left out), indented, for scripts and <c>jq</c>.
/// </summary>
internal static class JsonOutput
{
    private static readonly JsonSerializerOptions Options = CreateOptions();

    public static void Write<T>(TextWriter writer, T value) =>
        writer.WriteLine(JsonSerializer.Serialize(value, (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T))));

    private static JsonSerializerOptions CreateOptions()
    {
        var options = ProtocolJson.Create();
        options.WriteIndented = true;
        options.MakeReadOnly();
        return options;
    }
}
