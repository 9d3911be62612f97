using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Kron.Protocol;

namespace Kron.Server.Api;

/// <summary>Problem details that say what was wrong and how to fix it, and the request-body reader behind them.</summary>
internal static class ApiProblems
{
    public const int MaxPageSize = 500;
    public const int DefaultPageSize = 50;

    public static ProblemHttpResult NotFound(string what, string id) =>
        TypedResults.Problem(title: "Not found", detail: $"{what} {id} does not exist (it may have been deleted)", statusCode: StatusCodes.Status404NotFound);

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(title: "Conflict", detail: detail, statusCode: StatusCodes.Status409Conflict);

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(title: "Invalid request", detail: detail, statusCode: StatusCodes.Status400BadRequest);

    public static ValidationProblem Invalid(Dictionary<string, string[]> errors, string title = "Invalid job") =>
        TypedResults.ValidationProblem(errors, detail: Describe(errors), title: title);

    /// <summary>Validation errors in one line: <c>field: message; field: message</c>.</summary>
    public static string Describe(Dictionary<string, string[]> errors) =>
        string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(", ", e.Value)}"));

    /// <summary>
    /// Gives the problems the framework writes itself (unknown route, wrong method, unreadable parameter, unhandled
    /// error) a detail too: every error answer says what was wrong.
    /// </summary>
    public static void FillDetail(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (!string.IsNullOrWhiteSpace(problem.Detail))
        {
            return;
        }

        var request = context.HttpContext.Request;
        problem.Detail = (context.Exception, problem.Status) switch
        {
            (BadHttpRequestException e, _) => $"{e.Message} Check the parameter against /openapi/v1.json.",
            (_, StatusCodes.Status404NotFound) => $"there is nothing at {request.Path}; the API's routes are listed in /openapi/v1.json",
            (_, StatusCodes.Status405MethodNotAllowed) => $"{request.Method} is not allowed on {request.Path}; the methods it accepts are listed in /openapi/v1.json",
            (_, >= 500) => "the server failed to handle the request; the node's log has the details",
            _ => $"the request failed ({problem.Title ?? problem.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture)})",
        };
    }

    /// <summary>Validates <c>limit</c>: 1 to 500, default 50.</summary>
    public static bool TryPageSize(int? limit, out int pageSize, out ProblemHttpResult? problem)
    {
        pageSize = limit ?? DefaultPageSize;
        problem = pageSize is < 1 or > MaxPageSize ? BadRequest($"limit must be 1-{MaxPageSize}, not {pageSize}") : null;
        return problem is null;
    }

    /// <summary>
    /// Reads a JSON body into <typeparamref name="T"/> with the protocol's rules (unknown fields rejected). Bodies over
    /// <paramref name="maxBytes"/> answer 413.
    /// </summary>
    public static async Task<(T? Value, IResult? Problem)> ReadBodyAsync<T>(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
        where T : class
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(maxBytes));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                return (null, TooLarge(maxBytes));
            }
        }

        if (buffer.Length == 0)
        {
            return (null, BadRequest("the request has no body; send a JSON object"));
        }

        try
        {
            var value = JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), ProtocolJson.Options);
            return value is null ? (null, BadRequest("the body must be a JSON object, not null")) : (value, null);
        }
        catch (JsonException e)
        {
            return (null, BadRequest(Describe(e)));
        }
    }

    private static ProblemHttpResult TooLarge(int maxBytes) =>
        TypedResults.Problem(
            title: "Payload too large",
            detail: $"the request body is larger than {maxBytes / 1024} KiB; jobs carry at most {JobsLimits.MaxPayloadKiB} KiB of payload — store large data elsewhere and pass a reference",
            statusCode: StatusCodes.Status413PayloadTooLarge);

    private static string Describe(JsonException e)
    {
        var message = new StringBuilder("the body is not a valid request");
        if (e.Path is { Length: > 1 } path)
        {
            message.Append(" at ").Append(path);
        }

        var reason = e.Message;
        const string unmapped = "The JSON property '";
        if (reason.StartsWith(unmapped, StringComparison.Ordinal) && reason.Contains("could not be mapped", StringComparison.Ordinal))
        {
            var name = reason[unmapped.Length..reason.IndexOf('\'', unmapped.Length)];
            return $"unknown field \"{name}\"; remove it or check its spelling (fields are snake_case, see /openapi/v1.json)";
        }

        var cut = reason.IndexOf(" Path:", StringComparison.Ordinal);
        message.Append(": ").Append(cut > 0 ? reason[..cut] : reason);
        return message.ToString();
    }
}

/// <summary>Request size limits.</summary>
internal static class JobsLimits
{
    public const int MaxPayloadKiB = 1024;

    /// <summary>A request may be a little larger than its payload.</summary>
    public const int MaxBodyBytes = (MaxPayloadKiB * 1024) + (64 * 1024);

    /// <summary>Jobs in one <c>POST /v1/jobs/batch</c>.</summary>
    public const int MaxBatch = 1000;

    /// <summary>A batch body: room for a thousand ordinary jobs, not for a thousand 1 MiB payloads.</summary>
    public const int MaxBatchBodyBytes = 16 * 1024 * 1024;
}
