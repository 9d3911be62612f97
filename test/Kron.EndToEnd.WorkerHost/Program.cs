using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Kron.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

// A worker process for tests and benchmarks, configured by environment:
//   KRON_URL      the server (required)
//   WORKER_ID     the worker's name (required)
//   QUEUES        "name:concurrency,..." such as "bulk:8,mail:4"
//   RECORD        a file to append "start|done run attempt queue priority worker unix-ms" lines to (optional)
//   WORK_MS       how long each handler works (default 0)
// Handler type "record". It runs the SDK's hosted services without the generic host (no Hosting package needed)
// and stops them gracefully on SIGTERM or Ctrl+C.
var url = Environment.GetEnvironmentVariable("KRON_URL") ?? throw new InvalidOperationException("set KRON_URL");
var worker = Environment.GetEnvironmentVariable("WORKER_ID") ?? throw new InvalidOperationException("set WORKER_ID");
var queues = (Environment.GetEnvironmentVariable("QUEUES") ?? "default:4").Split(',', StringSplitOptions.RemoveEmptyEntries);
var workMs = int.Parse(Environment.GetEnvironmentVariable("WORK_MS") ?? "0", CultureInfo.InvariantCulture);
using var recorder = new Recorder(Environment.GetEnvironmentVariable("RECORD"), worker);

var services = new ServiceCollection();
services.AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance);
services.AddSingleton(typeof(ILogger<>), typeof(NullLogger<>));
services.AddSingleton(recorder);
services.AddSingleton(new WorkTime(TimeSpan.FromMilliseconds(workMs)));
var builder = services.AddKronWorker(o =>
{
    o.ServerUrl = url;
    o.WorkerId = worker;
    o.LeaseWait = TimeSpan.FromSeconds(5);
});
foreach (var queue in queues)
{
    var parts = queue.Split(':');
    builder.AddQueue(parts[0], parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 1);
}

builder.AddHandler<RecordingHandler>("record");
await using var provider = services.BuildServiceProvider();
var hosted = provider.GetServices<IHostedService>().ToList();
using var stop = new CancellationTokenSource();
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.Cancel();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
foreach (var service in hosted)
{
    await service.StartAsync(CancellationToken.None);
}

Console.WriteLine($"worker {worker} started on {url}");
try
{
    await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, stop.Token);
}
catch (OperationCanceledException)
{
}

foreach (var service in Enumerable.Reverse(hosted))
{
    await service.StopAsync(CancellationToken.None);
}

Console.WriteLine($"worker {worker} stopped");

/// <summary>How long each run works.</summary>
internal sealed record WorkTime(TimeSpan Value);

/// <summary>Records each start and finish; the payload's "priority" is copied into the line.</summary>
internal sealed class RecordingHandler(Recorder recorder, WorkTime work) : IJobHandler
{
    public async Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        var priority = context.Payload is { ValueKind: JsonValueKind.Object } payload && payload.TryGetProperty("priority", out var p) ? p.GetInt32() : 0;
        recorder.Write("start", context, priority);
        if (work.Value > TimeSpan.Zero)
        {
            await Task.Delay(work.Value, TimeProvider.System, cancellationToken);
        }

        recorder.Write("done", context, priority);
        return JobOutcome.Success();
    }
}

/// <summary>Appends lines to a file, flushed at once so that a SIGKILL loses none that were written.</summary>
internal sealed class Recorder(string? path, string worker) : IDisposable
{
    private readonly StreamWriter? _writer = path is null ? null : new StreamWriter(path, append: true) { AutoFlush = true };
    private readonly Lock _gate = new();

    public void Write(string what, JobContext context, int priority)
    {
        if (_writer is null)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"{what} {context.RunId} {context.Attempt} {context.Queue} {priority} {worker} {TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds()}");
        lock (_gate)
        {
            _writer.WriteLine(line);
        }
    }

    public void Dispose() => _writer?.Dispose();
}
