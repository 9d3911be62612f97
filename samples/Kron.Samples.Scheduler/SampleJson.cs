using System.Text.Json.Serialization;

namespace Kron.Samples.Scheduler;

/// <summary>Source-generated JSON metadata for the payloads the sample builds.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class SampleJson : JsonSerializerContext;
