using System.Text.Json.Serialization;

namespace Kron.Protocol;

/// <summary>
/// An RFC 9457 problem details answer, as the API sends for every error: <see cref="Detail"/> says what was wrong and
/// how to fix it; <see cref="Errors"/> maps request fields to messages for validation errors.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Skip)]
public sealed record ProblemResponse
{
    /// <summary>A URI naming the kind of problem.</summary>
    public string? Type { get; init; }

    /// <summary>A short summary.</summary>
    public string? Title { get; init; }

    /// <summary>The HTTP status.</summary>
    public int? Status { get; init; }

    /// <summary>What was wrong and how to fix it.</summary>
    public string? Detail { get; init; }

    /// <summary>For validation errors: field name to messages.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }
}
