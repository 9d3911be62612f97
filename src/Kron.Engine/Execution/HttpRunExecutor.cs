using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Engine.Execution;

/// <summary>
/// Sends the payload as a JSON body to the target URL. Success is a 2xx answer. Every request carries
/// <c>Idempotency-Key</c> = the run id (stable across attempts and re-executions after a crash) and the
/// <c>Kron-Job-Id</c>, <c>Kron-Run-Id</c>, <c>Kron-Scheduled-For</c> and <c>Kron-Attempt</c> headers. A 4xx other
/// than 408 and 429 fails the run without retries; <c>Retry-After</c> (seconds or a date) delays the next attempt.
/// </summary>
public sealed class HttpRunExecutor(HttpClient client, TimeProvider time) : IRunExecutor
{
    /// <summary>A target's Retry-After is honoured up to this long.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);

    public string TargetType => "http";

    public async Task<ExecutionOutcome> ExecuteAsync(RunRecord run, TargetSpec target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(target);
        using var request = new HttpRequestMessage(new HttpMethod(target.Method ?? "POST"), target.Url);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", run.Id);
        request.Headers.TryAddWithoutValidation("Kron-Job-Id", run.JobId);
        request.Headers.TryAddWithoutValidation("Kron-Run-Id", run.Id);
        request.Headers.TryAddWithoutValidation("Kron-Scheduled-For", run.ScheduledFor.ToString("O", CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation("Kron-Attempt", run.Attempt.ToString(CultureInfo.InvariantCulture));
        foreach (var (name, value) in target.Headers ?? new Dictionary<string, string>())
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content ??= new StringContent(string.Empty);
                request.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        if (request.Method != HttpMethod.Get && request.Method != HttpMethod.Head)
        {
            var body = new StringContent(run.Payload ?? "null", Encoding.UTF8);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Content = body;
        }

        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            var output = await ReadTailAsync(response, cancellationToken).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new ExecutionOutcome(true, HttpStatus: status, Output: output);
            }

            // A 4xx says the request itself is wrong, and sending it again will not help; 408 and 429 are the
            // exceptions (a timeout, a rate limit) and are retried, honouring Retry-After.
            var retryable = status is < 400 or >= 500 or 408 or 429;
            return new ExecutionOutcome(false, HttpStatus: status, Error: $"{target.Url} answered {status} {response.ReasonPhrase}{(retryable ? "" : " (not retried: a 4xx means the request itself is wrong)")}", Output: output, Retryable: retryable)
            {
                RetryAfter = RetryAfterOf(response),
            };
        }
        catch (HttpRequestException e)
        {
            return ExecutionOutcome.Failure($"request to {target.Url} failed: {e.Message}");
        }
    }

    private TimeSpan? RetryAfterOf(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        var delay = header?.Delta ?? (header?.Date is { } date ? date - time.GetUtcNow() : null);
        return delay is { } d && d > TimeSpan.Zero ? (d > MaxRetryAfter ? MaxRetryAfter : d) : null;
    }

    private static async Task<string?> ReadTailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        if (text.Length == 0)
        {
            return null;
        }

        return text.Length <= OutputTail.MaxChars ? text : "[...]" + text[^OutputTail.MaxChars..];
    }
}
