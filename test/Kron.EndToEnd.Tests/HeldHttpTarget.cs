using System.Collections.Concurrent;
using System.Net;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// A webhook target that holds every request open until the test releases it, so that a run is surely in flight when
/// the server is killed. Records the idempotency key of every delivery.
/// </summary>
internal sealed class HeldHttpTarget : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<string> _keys = new();
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;

    public HeldHttpTarget()
    {
        var port = RecordingHttpServer.FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/held/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    /// <summary>The Idempotency-Key of every delivery, in arrival order.</summary>
    public IReadOnlyList<string> Keys => [.. _keys];

    /// <summary>Answer 200 to every held and future request.</summary>
    public void Release() => _release.TrySetResult();

    public void Dispose()
    {
        Release();
        _listener.Close();
        _ = _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    private async Task AcceptLoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            _keys.Enqueue(context.Request.Headers["Idempotency-Key"] ?? "");
            _ = AnswerWhenReleasedAsync(context);
        }
    }

    private async Task AnswerWhenReleasedAsync(HttpListenerContext context)
    {
        await _release.Task.ConfigureAwait(false);
        try
        {
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // The server that sent it died; nobody is listening for the answer.
        }
    }
}
