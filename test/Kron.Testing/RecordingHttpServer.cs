using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kron.Testing;

/// <summary>
/// A real HTTP listener on loopback that records every request it gets (a webhook target). It answers 200, or what
/// the test's responder chooses for each request (status code and headers, such as <c>Retry-After</c>).
/// </summary>
public sealed class RecordingHttpServer : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly Func<RecordedRequest, HttpAnswer> _respond;
    private readonly Task _loop;

    /// <param name="respond">Chooses the answer to each request, after it was recorded; null answers 200.</param>
    public RecordingHttpServer(Func<RecordedRequest, HttpAnswer>? respond = null)
    {
        _respond = respond ?? (static _ => HttpAnswer.Ok);
        var port = FreePort();
        Url = new Uri($"http://127.0.0.1:{port}/hook/");
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(AcceptLoopAsync);
    }

    public Uri Url { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    public void Dispose()
    {
        _listener.Close();
        _ = _loop.ContinueWith(static _ => { }, TaskScheduler.Default);
    }

    public static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
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

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync().ConfigureAwait(false);
            var headers = context.Request.Headers.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => context.Request.Headers[k] ?? string.Empty, StringComparer.OrdinalIgnoreCase);
            var request = new RecordedRequest(context.Request.HttpMethod, context.Request.Url?.AbsolutePath ?? "", headers, body);
            _requests.Enqueue(request);
            var answer = _respond(request);
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
            {
                context.Response.AddHeader(name, value);
            }

            context.Response.Close();
        }
    }
}

/// <summary>One request the listener got.</summary>
public sealed record RecordedRequest(string Method, string Path, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>How <see cref="RecordingHttpServer"/> answers one request: a status code and extra response headers.</summary>
public sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static readonly HttpAnswer Ok = new(200);
}
