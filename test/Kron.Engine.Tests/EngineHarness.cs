using Kron.Core.Model;
using Kron.Engine.Cluster;
using Kron.Engine.Dispatch;
using Kron.Engine.Execution;
using Kron.Engine.Maintenance;
using Kron.Engine.Scheduling;
using Kron.Storage;
using Kron.Storage.Sqlite;
using Kron.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Kron.Engine.Tests;

/// <summary>
/// The engine's services on a fresh SQLite file in a temporary directory, with a manual clock whose timers follow it
/// (so timeouts and noop durations pass only when a test advances it). No loop runs by itself: tests call
/// <c>RunOnceAsync</c> and <c>DrainAsync</c> directly. Shell commands run in <see cref="Directory"/>.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    public const string NodeId = "engine-test";

    /// <summary>The longest a test waits for real work (a process starting, executions finishing).</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan LeaseDuration = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http = new() { Timeout = Timeout.InfiniteTimeSpan };

    private EngineHarness(string directory, int maxConcurrency)
    {
        Directory = directory;
        Storage = SqliteDriver.Open(Path.Combine(directory, "kron.db"), Clock);
        var signals = new EngineSignals();
        var node = Options.Create(new NodeOptions { NodeId = NodeId, DataDirectory = directory });
        IRunExecutor[] executors = [new NoopRunExecutor(Clock), new ShellRunExecutor(node), new HttpRunExecutor(_http, Clock)];
        var ownership = ShardOwnership.Exclusive(Clock);
        Trigger = new JobTrigger(Storage, ownership, signals, Clock, Options.Create(new JobTriggerOptions()), node, NullLogger<JobTrigger>.Instance);
        Dispatcher = new RunDispatcher(
            Storage, ownership, executors, signals, Clock, Options.Create(new RunDispatcherOptions { LeaseDuration = LeaseDuration, MaxConcurrency = maxConcurrency }), node, NullLogger<RunDispatcher>.Instance);
        FireAndClaimTrigger = new JobTrigger(
            Storage, ownership, signals, Clock, Options.Create(new JobTriggerOptions()), node, NullLogger<JobTrigger>.Instance, Dispatcher);
        Rescuer = new RunRescuer(Storage, signals, Clock, Options.Create(new RunRescuerOptions()), NullLogger<RunRescuer>.Instance);
    }

    public ManualTimeProvider Clock { get; } = new(TestJobs.T0) { ManualTimers = true };

    public string Directory { get; }

    public SqliteDriver Storage { get; }

    /// <summary>The trigger without a dispatcher: every run it fires goes through the queue and a claim.</summary>
    public JobTrigger Trigger { get; }

    /// <summary>The trigger as a node wires it: runs ready at fire time are inserted leased to <see cref="Dispatcher"/>.</summary>
    public JobTrigger FireAndClaimTrigger { get; }

    public RunDispatcher Dispatcher { get; }

    public RunRescuer Rescuer { get; }

    public static async Task<EngineHarness> StartAsync(int maxConcurrency = RunDispatcherOptions.DefaultMaxConcurrency)
    {
        var directory = Path.Combine(Path.GetTempPath(), "kron-engine-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var harness = new EngineHarness(directory, maxConcurrency);
        await harness.Storage.MigrateAsync(new MigrateParams(), CancellationToken.None);
        return harness;
    }

    public async Task<JobRecord> AddJobAsync(JobRecord job) =>
        (await Storage.InsertJobAsync(new InsertJobParams(job), CancellationToken.None)).Job;

    /// <summary>One trigger pass at the current time.</summary>
    public Task<TriggerPass> FireAsync() => Trigger.RunOnceAsync(CancellationToken.None);

    /// <summary>Claims what is ready and waits until those executions finished and their outcomes are written.</summary>
    public async Task<int> DispatchAsync()
    {
        var claimed = await Dispatcher.RunOnceAsync(CancellationToken.None);
        await DrainAsync();
        return claimed;
    }

    /// <summary>
    /// Claims ready runs of noop targets with a duration and waits until each execution waits on the manual clock
    /// (its timeout and its duration are timers), so that advancing the clock afterwards is sure to reach them.
    /// </summary>
    public async Task<int> StartParkedAsync()
    {
        var before = Clock.PendingTimers;
        var claimed = await Dispatcher.RunOnceAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => Task.FromResult(Clock.PendingTimers >= before + (2 * claimed)), WaitTimeout, $"{claimed} runs to start executing");
        return claimed;
    }

    public async Task DrainAsync()
    {
        using var timeout = new CancellationTokenSource(WaitTimeout);
        await Dispatcher.DrainAsync(timeout.Token);
    }

    public async Task<RunRecord> RunAsync(string id) =>
        await Storage.GetRunAsync(new GetRunParams(id), CancellationToken.None) ?? throw new InvalidOperationException($"no run {id}");

    /// <summary>The runs of a job, oldest slot first.</summary>
    public async Task<IReadOnlyList<RunRecord>> RunsAsync(string jobId, RunState? state = null)
    {
        var page = await Storage.ListRunsAsync(new ListRunsParams(500, JobId: jobId, State: state), CancellationToken.None);
        return [.. page.Items.OrderBy(r => r.ScheduledFor)];
    }

    /// <summary>The only run of a job.</summary>
    public async Task<RunRecord> SingleRunAsync(string jobId) => Assert.Single(await RunsAsync(jobId));

    /// <summary>Waits until a shell command wrote its process id to <paramref name="file"/> (so it really runs).</summary>
    public async Task<int> WaitForPidFileAsync(string file)
    {
        var path = Path.Combine(Directory, file);
        var text = await Eventually.GetAsync(
            async () => File.Exists(path) && await File.ReadAllTextAsync(path) is { } t && t.EndsWith('\n') ? t : null,
            WaitTimeout,
            $"the command to write {file}");
        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until process <paramref name="pid"/> is gone (exited, or a zombie nobody reaped yet).</summary>
    public static Task WaitUntilGoneAsync(int pid) =>
        Eventually.TrueAsync(
            async () =>
            {
                var stat = $"/proc/{pid}/stat";
                return !File.Exists(stat) || (await File.ReadAllTextAsync(stat)).Split(") ")[^1].StartsWith('Z');
            },
            WaitTimeout,
            $"process {pid} to be killed");

    /// <summary>Stops what still executes (so no process or task outlives the test), then deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        var running = await Storage.ListRunsAsync(new ListRunsParams(500, State: RunState.Running), CancellationToken.None);
        foreach (var run in running.Items)
        {
            await Dispatcher.CancelInFlightAsync(run.Id);
        }

        await DrainAsync();
        Dispatcher.Dispose();
        Trigger.Dispose();
        Rescuer.Dispose();
        _http.Dispose();
        await Storage.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
