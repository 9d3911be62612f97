using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Kron.Cli.Bench;

/// <summary>
/// The <c>kron serve</c> processes a benchmark runs against: children of this process, started from the same binary,
/// each on a free port, stopped (or SIGKILLed by the failover workload) by the benchmark.
/// </summary>
internal sealed partial class BenchNodes : IAsyncDisposable
{
    private readonly List<BenchNode> _nodes;

    private BenchNodes(List<BenchNode> nodes) => _nodes = nodes;

    public IReadOnlyList<BenchNode> Nodes => _nodes;

    /// <summary>Starts <paramref name="count"/> nodes on the SQLite directory or the PostgreSQL store and waits until each listens.</summary>
    public static async Task<BenchNodes> StartAsync(int count, string? dataDirectory, string? store, CancellationToken cancellationToken)
    {
        var nodes = new List<BenchNode>();
        try
        {
            for (var i = 1; i <= count; i++)
            {
                var storeArguments = store is null ? new[] { "--data", dataDirectory! } : ["--store", store];
                nodes.Add(await BenchNode.StartAsync($"bench-{i}", storeArguments, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            await new BenchNodes(nodes).DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return new BenchNodes(nodes);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.StopAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>One <c>kron serve</c> child process, its URL and its resource use read from <c>/proc</c>.</summary>
internal sealed partial class BenchNode
{
    private readonly Process _process;
    private readonly Queue<string> _lastErrors = new();

    private BenchNode(string id, Process process)
    {
        Id = id;
        _process = process;
    }

    public string Id { get; }

    public Uri Url { get; private set; } = null!;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public static async Task<BenchNode> StartAsync(string id, IReadOnlyList<string> storeArguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // One log line per run state change would cost more than the runs at these rates (docs/metrics.md).
        start.Environment["Logging__LogLevel__Kron.Runs"] = "Warning";

        // Run the same kron: the apphost when there is one, else "dotnet kron.dll".
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which kron binary to start");
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.FileName = self;
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }
        else
        {
            start.FileName = self;
        }

        foreach (var argument in (string[])["serve", "--listen", "http://127.0.0.1:0", "--node-id", id, .. storeArguments])
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var node = new BenchNode(id, process);
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups["url"].Value));
            }
        };
        process.ErrorDataReceived += (_, e) => node.KeepError(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var exited = process.WaitForExitAsync(timeout.Token);
        if (await Task.WhenAny(listening.Task, exited).ConfigureAwait(false) != listening.Task)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"node {id} did not start: {node.LastErrors()}");
        }

        node.Url = await listening.Task.ConfigureAwait(false);
        return node;
    }

    /// <summary>Peak resident memory in MiB (VmHWM), or null once the process is gone.</summary>
    public double? PeakRssMib() => ReadStatusKib("VmHWM") is { } kib ? kib / 1024.0 : null;

    /// <summary>CPU time used so far (user + system), or null once the process is gone.</summary>
    public TimeSpan? CpuTime() => ProcessCpu.Read($"/proc/{_process.Id}/stat");

    /// <summary>SIGKILL, as a crash.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, then SIGKILL if the node has not stopped within 15 s.</summary>
    public async Task StopAsync()
    {
        if (_process.HasExited)
        {
            _process.Dispose();
            return;
        }

        _ = Terminate(_process.Id, 15);
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await _process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.Dispose();
    }

    /// <summary>The last lines the node wrote to standard error.</summary>
    public string LastErrors()
    {
        lock (_lastErrors)
        {
            return _lastErrors.Count == 0 ? "(nothing on its standard error)" : string.Join(" | ", _lastErrors);
        }
    }

    private void KeepError(string? line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return;
        }

        lock (_lastErrors)
        {
            _lastErrors.Enqueue(line.Trim());
            while (_lastErrors.Count > 5)
            {
                _lastErrors.Dequeue();
            }
        }
    }

    private long? ReadStatusKib(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Replace("kB", string.Empty, StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Terminate(int pid, int signal);

    [GeneratedRegex(@"listening on (?<url>https?://[^,\s]+)")]
    private static partial Regex ListeningLine();
}

/// <summary>A process's CPU time from its <c>/proc/PID/stat</c>.</summary>
internal static class ProcessCpu
{
    /// <summary>
    /// User + system time, or null when the process is gone; with <paramref name="withExitedChildren"/>, plus that of its
    /// children that exited (a PostgreSQL server's closed connections).
    /// </summary>
    public static TimeSpan? Read(string statFile, bool withExitedChildren = false)
    {
        try
        {
            // Fields 14 and 15 (utime, stime) in clock ticks (100 a second), after the parenthesised command name.
            var stat = File.ReadAllText(statFile);
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            if (withExitedChildren)
            {
                ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            }

            return TimeSpan.FromSeconds(ticks / 100.0);
        }
        catch (IOException)
        {
            return null;
        }
    }
}
