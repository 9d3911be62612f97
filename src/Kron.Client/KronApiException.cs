using System.Globalization;
using System.Net;
using System.Text;
using Kron.Protocol;

namespace Kron.Client;

/// <summary>
/// The server answered with an error status. It carries the RFC 9457 problem details the API sends: what was wrong
/// (<see cref="Detail"/>) and, for validation errors, the messages per request field (<see cref="Errors"/>).
/// <see cref="HttpRequestException.StatusCode"/> is always set.
/// </summary>
public sealed class KronApiException : HttpRequestException
{
    private static readonly IReadOnlyDictionary<string, string[]> NoErrors = new Dictionary<string, string[]>();

    /// <summary>Creates the exception for an error answer.</summary>
    /// <param name="statusCode">The HTTP status of the answer.</param>
    /// <param name="problem">The problem details of the answer (or what could be made of a body that had none).</param>
    public KronApiException(HttpStatusCode statusCode, ProblemResponse problem)
        : base(Describe(statusCode, problem), null, statusCode)
    {
        ArgumentNullException.ThrowIfNull(problem);
        Problem = problem;
    }

    /// <summary>The problem details as the server sent them.</summary>
    public ProblemResponse Problem { get; }

    /// <summary>A short summary of the problem, such as <c>Validation failed</c>.</summary>
    public string? Title => Problem.Title;

    /// <summary>What was wrong and how to fix it.</summary>
    public string? Detail => Problem.Detail;

    /// <summary>For validation errors: request field name (snake_case) to messages; empty otherwise.</summary>
    public IReadOnlyDictionary<string, string[]> Errors => Problem.Errors ?? NoErrors;

    /// <summary>Whether the status is 4xx: the request was refused and nothing was changed.</summary>
    public bool IsClientError => (int)StatusCode!.Value is >= 400 and < 500;

    private static string Describe(HttpStatusCode statusCode, ProblemResponse? problem)
    {
        var summary = problem?.Detail ?? problem?.Title ?? string.Create(CultureInfo.InvariantCulture, $"the server answered {(int)statusCode} {statusCode}");
        // Kron's own detail already lists the field errors; add only those it leaves out (once each, not twice).
        var missing = (problem?.Errors ?? NoErrors)
            .OrderBy(e => e.Key, StringComparer.Ordinal)
            .SelectMany(e => e.Value.Select(message => (Field: e.Key, Message: message)))
            .Where(e => !summary.Contains(e.Message, StringComparison.Ordinal))
            .ToList();
        if (missing.Count == 0)
        {
            return summary;
        }

        var text = new StringBuilder(summary).Append(" (");
        for (var i = 0; i < missing.Count; i++)
        {
            text.Append(i == 0 ? string.Empty : "; ").Append(missing[i].Field).Append(": ").Append(missing[i].Message);
        }

        return text.Append(')').ToString();
    }
}
