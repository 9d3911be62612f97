using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using System.Xml;

namespace Kron.Protocol;

/// <summary>
/// The JSON settings of the API: <c>snake_case</c>, unknown fields rejected, nulls left out, durations as ISO 8601
/// (<c>PT30S</c>), instants as RFC 3339 with offset.
/// </summary>
public static class ProtocolJson
{
    /// <summary>Options for reading and writing every protocol record.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Creates a fresh copy of <see cref="Options"/> (for hosts that configure their own instance).</summary>
    public static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.Strict,
            // Source-generated metadata for the protocol records; reflection for anything else a caller sends.
            TypeInfoResolver = JsonTypeInfoResolver.Combine(ProtocolJsonContext.Default, new DefaultJsonTypeInfoResolver()),
        };
        options.Converters.Add(new Iso8601DurationConverter());
        return options;
    }

    /// <summary>Formats a duration as ISO 8601, as the API writes it.</summary>
    public static string FormatDuration(TimeSpan duration) => XmlConvert.ToString(duration);

    /// <summary>Parses an ISO 8601 duration such as <c>PT30S</c> or <c>P1D</c>.</summary>
    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrWhiteSpace(text) || !text.StartsWith('P'))
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}

/// <summary>ISO 8601 durations (<c>PT30S</c>); BCL's <see cref="XmlConvert"/> does the parsing.</summary>
public sealed class Iso8601DurationConverter : JsonConverter<TimeSpan>
{
    /// <inheritdoc />
    public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        if (ProtocolJson.TryParseDuration(text, out var duration))
        {
            return duration;
        }

        throw new JsonException(string.Create(CultureInfo.InvariantCulture, $"expected an ISO 8601 duration such as \"PT30S\" or \"PT5M\", not {(text is null ? reader.TokenType.ToString() : $"\"{text}\"")}"));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(ProtocolJson.FormatDuration(value));
    }
}

/// <summary>Source-generated metadata for the protocol records.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    Converters = [typeof(Iso8601DurationConverter)])]
[JsonSerializable(typeof(JobCreateRequest))]
[JsonSerializable(typeof(JobPatchRequest))]
[JsonSerializable(typeof(JobResponse))]
[JsonSerializable(typeof(TargetSpec))]
[JsonSerializable(typeof(Page<JobResponse>))]
[JsonSerializable(typeof(RunResponse))]
[JsonSerializable(typeof(Page<RunResponse>))]
[JsonSerializable(typeof(CronNextResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(ClusterResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(RunCountsResponse))]
[JsonSerializable(typeof(ProblemResponse))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RedriveResponse))]
[JsonSerializable(typeof(LeaseRequest))]
[JsonSerializable(typeof(LeaseResponse))]
[JsonSerializable(typeof(HeartbeatRequest))]
[JsonSerializable(typeof(HeartbeatResponse))]
[JsonSerializable(typeof(CompleteRequest))]
[JsonSerializable(typeof(WorkersResponse))]
[JsonSerializable(typeof(QueuesResponse))]
[JsonSerializable(typeof(QueueUpdateRequest))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ProtocolJsonContext : JsonSerializerContext;
