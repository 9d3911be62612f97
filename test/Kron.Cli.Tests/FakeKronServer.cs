// Why a fake server remains: the CLI and client are tested against a real `kron serve` (KronServerFixture) for
// everything a real server answers: jobs, runs, validation errors, conflicts, 404s, paging. This fake stays only
// for what a real server cannot easily be made to do or show:
//   - answers it never gives on purpose: 5xx errors, 401 (it has no authentication), a non-JSON page from a proxy,
//     problem details shaped differently, fields from a newer server;
//   - what went over the wire: request lines, escaping of ids and queries, the bearer token from KRON_TOKEN, which
//     the real server accepts without echoing.
// Anything a real server can answer belongs in the *ServerTests classes, not here.

using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kron.Cli.Tests;

/// <summary>
/// A minimal HTTP/1.1 server on a free loopback port that answers from a handler and records every request, so
/// those cases are tested over a real socket (HOUSE_STYLE §4.5: faults at the wire, not interface mocks). One
/// request per connection (<c>Connection: close</c>).
/// </summary>
internal sealed class FakeKronServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<FakeRequest, FakeResponse> _handler;
    private readonly Task _loop;

    public FakeKronServer(Func<FakeRequest, FakeResponse> handler)
    {
        _handler = handler;
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _loop = AcceptAsync();
    }

    public string Url { get; }

    public ConcurrentQueue<FakeRequest> Requests { get; } = new();

    public FakeRequest SingleRequest => Assert.Single(Requests);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            using (client)
            {
                await ServeAsync(client.GetStream());
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        int headerEnd;
        while ((headerEnd = IndexOfBlankLine(buffer)) < 0)
        {
            var read = await stream.ReadAsync(chunk, _stop.Token);
            if (read == 0)
            {
                return;
            }

            buffer.AddRange(chunk.AsSpan(0, read));
        }

        var head = Encoding.ASCII.GetString([.. buffer[..headerEnd]]).Split("\r\n");
        var requestLine = head[0].Split(' ');
        var headers = head.Skip(1)
            .Select(line => line.Split(':', 2))
            .ToDictionary(parts => parts[0].Trim(), parts => parts[1].Trim(), StringComparer.OrdinalIgnoreCase);
        var length = headers.TryGetValue("Content-Length", out var text) ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
        var body = buffer.Skip(headerEnd + 4).ToList();
        while (body.Count < length)
        {
            var read = await stream.ReadAsync(chunk, _stop.Token);
            if (read == 0)
            {
                break;
            }

            body.AddRange(chunk.AsSpan(0, read));
        }

        var request = new FakeRequest(requestLine[0], Uri.UnescapeDataString(requestLine[1]), requestLine[1], headers, Encoding.UTF8.GetString([.. body]));
        Requests.Enqueue(request);
        FakeResponse response;
        try
        {
            response = _handler(request);
        }
        catch (Exception e)
        {
            response = new FakeResponse(500, e.Message, "text/plain");
        }

        var payload = Encoding.UTF8.GetBytes(response.Body ?? string.Empty);
        var answer = new StringBuilder()
            .Append("HTTP/1.1 ").Append(response.Status).Append(' ').Append(response.Reason).Append("\r\n")
            .Append("Content-Length: ").Append(payload.Length).Append("\r\n")
            .Append("Connection: close\r\n");
        if (response.Body is not null)
        {
            answer.Append("Content-Type: ").Append(response.ContentType).Append("\r\n");
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer.Append("\r\n").ToString()), _stop.Token);
        await stream.WriteAsync(payload, _stop.Token);
    }

    private static int IndexOfBlankLine(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}

/// <summary>A request as the fake server received it; <see cref="Target"/> is unescaped, <see cref="RawTarget"/> as sent.</summary>
internal sealed record FakeRequest(string Method, string Target, string RawTarget, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string Path => Target.Split('?')[0];

    public string Line => $"{Method} {Target}";
}

/// <summary>What the fake server answers.</summary>
internal sealed record FakeResponse(int Status, string? Body = null, string ContentType = "application/json")
{
    public string Reason => ((HttpStatusCode)Status).ToString();

    public static FakeResponse Json(string body, int status = 200) => new(status, body);

    public static FakeResponse Problem(int status, string body) => new(status, body, "application/problem+json");
}
