using System.Collections.Concurrent;
using Kron.Client;
using Kron.Protocol;
using Kron.Server.Hosting;
using Kron.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Kron.Worker.Tests;

/// <summary>
/// A real Kron node in process (Kestrel on a free loopback port, a real SQLite file in a temporary directory, the real
/// engine) and workers built with <c>AddKronWorker</c> against it, as an application would. Engine loops poll every
/// 50 ms so that waits end quickly.
/// </summary>
internal sealed class WorkerNode : IAsyncDisposable
{
    public const string Queue = "emails";
    public const string JobType = "email_send";
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(20);

    private readonly List<IHost> _workers = [];

    private WorkerNode(KronNode node, string dataDirectory)
    {
        Node = node;
        DataDirectory = dataDirectory;
        Url = node.Addresses.First();
        Client = KronClient.Create(Url);
    }

    public KronNode Node { get; }

    public string DataDirectory { get; }

    public string Url { get; }

    public KronClient Client { get; }

    /// <summary>What the workers' handlers did, in order; each test's <see cref="ScriptedHandler"/> reports here.</summary>
    public HandlerScript Script { get; } = new();

    /// <summary>Every log line of every worker: worker id, level, event id and message (and the exception's, after " | ").</summary>
    public ConcurrentQueue<(string Worker, LogLevel Level, int EventId, string Message)> Logs { get; } = new();

    /// <summary>Starts a node; <paramref name="configuration"/> sets engine options such as <c>Kron:Workers:LeaseDuration</c>.</summary>
    public static async Task<WorkerNode> StartAsync(IReadOnlyDictionary<string, string>? configuration = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "kron-worker-tests", Guid.NewGuid().ToString("N"));
        var settings = new ServerSettings { DataDirectory = directory, ListenUrl = "http://127.0.0.1:0", NodeId = "worker-tests" };
        try
        {
            var node = await KronNode.StartAsync(
                settings,
                b =>
                {
                    b.Logging.ClearProviders();
                    b.Configuration["Kron:Trigger:MaxIdleInterval"] = "00:00:00.050";
                    b.Configuration["Kron:Dispatcher:PollInterval"] = "00:00:00.050";
                    b.Configuration["Kron:Workers:PollInterval"] = "00:00:00.050";
                    foreach (var (key, value) in configuration ?? new Dictionary<string, string>())
                    {
                        b.Configuration[key] = value;
                    }
                },
                CancellationToken.None);
            return new WorkerNode(node, directory);
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Starts a worker host on queue <see cref="Queue"/> with <see cref="ScriptedHandler"/> for <see cref="JobType"/>.</summary>
    public async Task<IHost> StartWorkerAsync(string workerId = "test-worker", int concurrency = 4, TimeSpan? shutdownTimeout = null, Action<KronWorkerBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders().AddProvider(new RecordingLoggerProvider(Logs, workerId)).SetMinimumLevel(LogLevel.Debug);
        builder.Services.AddSingleton(Script);
        var worker = builder.Services
            .AddKronWorker(o =>
            {
                o.ServerUrl = Url;
                o.WorkerId = workerId;
                o.LeaseWait = TimeSpan.FromSeconds(5);
                o.HeartbeatInterval = TimeSpan.FromMilliseconds(100);
                o.ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5);
                o.BackoffInitialInterval = TimeSpan.FromMilliseconds(50);
                o.BackoffMaxInterval = TimeSpan.FromMilliseconds(200);
            })
            .AddQueue(Queue, concurrency)
            .AddHandler<ScriptedHandler>(JobType);
        configure?.Invoke(worker);
        var host = builder.Build();
        _workers.Add(host);
        await host.StartAsync();
        return host;
    }

    /// <summary>Registers a queue job (never due on its own) with <paramref name="retries"/> and a fast backoff, and triggers a run of it now.</summary>
    public async Task<RunResponse> TriggerQueueRunAsync(int retries = 0, string payload = """{"to":"a@example.com"}""")
    {
        var created = await Client.CreateJobAsync(new JobCreateRequest
        {
            ScheduleTime = new DateTimeOffset(2099, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Target = new TargetSpec { Type = "queue", Queue = Queue, JobType = JobType },
            Payload = Worker.Testing.TestJobContext.Payload(payload),
            Retries = retries,
            Retry = new RetrySpec { InitialInterval = TimeSpan.FromMilliseconds(50), MaxInterval = TimeSpan.FromMilliseconds(100) },
        });
        return await Client.TriggerJobAsync(created.Job.Id);
    }

    /// <summary>Polls the run until it is in one of <paramref name="states"/>.</summary>
    public Task<RunResponse> WaitForRunAsync(string runId, params string[] states) =>
        Eventually.GetAsync(
            async () =>
            {
                var run = await Client.GetRunAsync(runId);
                return states.Contains(run.State) ? run : null;
            },
            WaitTimeout,
            $"run {runId} to be {string.Join(" or ", states)}");

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            await worker.StopAsync(TimeSpan.FromSeconds(10));
            worker.Dispose();
        }

        Client.Dispose();
        await Node.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
    }
}

/// <summary>What a test's handler does, and what it saw: every call's context, in order.</summary>
internal sealed class HandlerScript
{
    public Func<JobContext, CancellationToken, Task<JobOutcome>> Behavior { get; set; } = (_, _) => Task.FromResult(JobOutcome.Success());

    public ConcurrentQueue<JobContext> Calls { get; } = new();

    /// <summary>Completes when a handler call starts.</summary>
    public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A behavior: runs until its token fires (then the cancellation propagates, as it should).</summary>
    public static async Task<JobOutcome> UntilCancelledAsync(JobContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken);
        return JobOutcome.Success();
    }

    /// <summary>A behavior: succeeds once <paramref name="release"/> completes, whatever its token says.</summary>
    public static Func<JobContext, CancellationToken, Task<JobOutcome>> SucceedWhen(Task release) => async (_, _) =>
    {
        await release;
        return JobOutcome.Success();
    };
}

internal sealed class ScriptedHandler(HandlerScript script) : IJobHandler
{
    public Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        script.Calls.Enqueue(context);
        script.Started.TrySetResult();
        return script.Behavior(context, cancellationToken);
    }
}

/// <summary>Keeps the workers' log lines in memory, so that tests can check what was logged at which level.</summary>
internal sealed class RecordingLoggerProvider(ConcurrentQueue<(string Worker, LogLevel Level, int EventId, string Message)> logs, string worker) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new RecordingLogger(logs, worker);

    public void Dispose()
    {
    }

    private sealed class RecordingLogger(ConcurrentQueue<(string Worker, LogLevel Level, int EventId, string Message)> logs, string worker) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            logs.Enqueue((worker, logLevel, eventId.Id, formatter(state, exception) + (exception is null ? string.Empty : " | " + exception.Message)));
    }
}

/// <summary>
/// A fault on the wire: while <see cref="Active"/>, calls whose path ends with <paramref name="pathSuffix"/> (every call
/// when null) fail as if the network dropped them. Records every call's path.
/// </summary>
internal sealed class WireFault(string? pathSuffix)
{
    public volatile bool Active = true;

    public ConcurrentQueue<string> Requests { get; } = new();

    public DelegatingHandler CreateHandler() => new Handler(this);

    private bool Fails(string path) => Active && (pathSuffix is null || path.EndsWith(pathSuffix, StringComparison.Ordinal));

    private sealed class Handler(WireFault fault) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            fault.Requests.Enqueue(path);
            if (fault.Fails(path))
            {
                throw new HttpRequestException(HttpRequestError.ConnectionError, $"{path} dropped by the test");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
