using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Kron.Testing;

/// <summary>
/// A real <c>kron serve</c> process (the <c>kron.dll</c> next to the test assembly), started on a free port and
/// killed with SIGKILL or stopped gracefully, as an operator would.
/// </summary>
public sealed partial class KronProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly Lock _logGate = new();

    private KronProcess(Process process) => _process = process;

    public Uri Url { get; private set; } = new("http://127.0.0.1:1");

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Log
    {
        get
        {
            lock (_logGate)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <c>kron serve</c> on <paramref name="dataDirectory"/> (and, with <paramref name="store"/>, as a node of the
    /// cluster on that PostgreSQL database) and waits until <c>/readyz</c> answers 200.
    /// </summary>
    public static async Task<KronProcess> StartAsync(string dataDirectory, IReadOnlyDictionary<string, string>? environment = null, string nodeId = "e2e", string? store = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "kron.dll"), "serve", "--data", dataDirectory, "--listen", "http://127.0.0.1:0", "--node-id", nodeId })
        {
            start.ArgumentList.Add(arg);
        }

        if (store is not null)
        {
            start.ArgumentList.Add("--store");
            start.ArgumentList.Add(store);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start kron serve");
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        var kron = new KronProcess(process);
        process.OutputDataReceived += (_, e) => kron.OnLine(e.Data, listening);
        process.ErrorDataReceived += (_, e) => kron.OnLine(e.Data, null);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var exited = process.WaitForExitAsync();
        var first = await Task.WhenAny(listening.Task, exited, Task.Delay(TimeSpan.FromSeconds(60), TimeProvider.System)).ConfigureAwait(false);
        if (first != listening.Task)
        {
            process.Kill();
            throw new InvalidOperationException($"kron serve did not start:\n{kron.Log}");
        }

        kron.Url = await listening.Task.ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = kron.Url };
        await Eventually.TrueAsync(
            async () =>
            {
                try
                {
                    return (await http.GetAsync(new Uri("/readyz", UriKind.Relative)).ConfigureAwait(false)).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
            },
            TimeSpan.FromSeconds(30),
            "kron serve to be ready").ConfigureAwait(false);
        return kron;
    }

    /// <summary>SIGKILL: no shutdown code runs, as in a crash.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>SIGTERM and wait: a graceful stop.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _ = NativeMethods.Kill(_process.Id, NativeMethods.SigTerm);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
    }

    /// <summary>SIGSTOP: the process freezes (no thread runs, no heartbeat) but keeps its state, like a long GC pause or a frozen VM.</summary>
    public void Freeze() => _ = NativeMethods.Kill(_process.Id, NativeMethods.SigStop);

    /// <summary>SIGCONT: a frozen process goes on from where it stopped, believing nothing happened.</summary>
    public void Thaw() => _ = NativeMethods.Kill(_process.Id, NativeMethods.SigCont);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Thaw();
        }

        await KillAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line, TaskCompletionSource<Uri>? listening)
    {
        if (line is null)
        {
            return;
        }

        lock (_logGate)
        {
            _log.AppendLine(line);
        }

        if (listening is not null && ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    [GeneratedRegex(@"listening on (http://[^\s,]+)")]
    private static partial Regex ListeningLine();

    private static partial class NativeMethods
    {
        public const int SigTerm = 15;
        public const int SigCont = 18;
        public const int SigStop = 19;

        [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
        public static partial int Kill(int pid, int signal);
    }
}
