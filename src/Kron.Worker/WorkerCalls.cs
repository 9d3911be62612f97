using System.Globalization;
using System.Net;
using System.Text.Json;
using Kron.Client;

namespace Kron.Worker;

/// <summary>Calls to the server with a timeout of their own each, and which failures are worth calling again for.</summary>
internal sealed class WorkerCalls(KronClient client, TimeProvider time)
{
    public async Task<T> CallAsync<T>(Func<KronClient, CancellationToken, Task<T>> call, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timer.Token, cancellationToken);
        try
        {
            return await call(client, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(string.Create(CultureInfo.InvariantCulture, $"the server did not answer within {timeout.TotalSeconds:0.#} s"), e);
        }
    }

    /// <summary>A heartbeat or completion answered 409 (stale token: another attempt owns the run) or 404 (no such run).</summary>
    public static bool IsLeaseLost(Exception exception) =>
        exception is KronApiException { StatusCode: HttpStatusCode.Conflict or HttpStatusCode.NotFound };

    /// <summary>The server could not be reached, timed out, was overloaded or failed: the same call may work later.</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        KronApiException api => (int)api.StatusCode!.Value >= 500 || api.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests,
        HttpRequestException or TimeoutException or JsonException or IOException => true,
        _ => false,
    };
}

/// <summary>Exponential backoff with jitter between calls to a failing server: initial, doubling, capped.</summary>
internal sealed class Backoff(TimeSpan initial, TimeSpan max)
{
    private int _failures;

    public TimeSpan Next()
    {
        var exponent = Math.Min(_failures++, 30);
        var delay = Math.Min(initial.TotalMilliseconds * Math.Pow(2, exponent), max.TotalMilliseconds);
        // Half fixed, half random: workers that lost the server together do not call it again together.
#pragma warning disable CA5394 // Jitter, not security.
        return TimeSpan.FromMilliseconds((delay / 2) + (Random.Shared.NextDouble() * delay / 2));
#pragma warning restore CA5394
    }

    public void Reset() => _failures = 0;
}
