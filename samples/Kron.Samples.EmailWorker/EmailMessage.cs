using System.Text.Json.Serialization;

namespace Kron.Samples.EmailWorker;

/// <summary>The payload of an <c>email_send</c> job: <c>{"to": "...", "subject": "...", "body": "..."}</c>.</summary>
internal sealed record EmailMessage(string To, string Subject, string Body);

/// <summary>
/// Source-generated JSON metadata for the payload, so reading it needs no reflection (trimming and AOT safe). A
/// missing or null field is a <see cref="System.Text.Json.JsonException"/> rather than a silent null.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(EmailMessage))]
internal sealed partial class EmailJsonContext : JsonSerializerContext;
