using System.Text.Json;
using System.Text.Json.Serialization;
using Kron.Protocol;

namespace Kron.Worker;

/// <summary>The settings payloads are read with by default: the API's, except that unknown fields are skipped.</summary>
internal static class PayloadJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = ProtocolJson.Create();
        // A payload is the job author's JSON, not the contract: a field the handler does not read is no error.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip;
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
