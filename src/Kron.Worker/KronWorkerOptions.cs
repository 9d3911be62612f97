using System.Globalization;
using System.Text;

namespace Kron.Worker;

/// <summary>
/// How a worker reaches the server and what it runs: set through
/// <see cref="KronWorkerServiceCollectionExtensions.AddKronWorker(Microsoft.Extensions.DependencyInjection.IServiceCollection, Action{KronWorkerOptions})"/>
/// and checked when the host starts (<see cref="KronWorkerOptionsValidator"/>).
/// </summary>
public sealed class KronWorkerOptions
{
    /// <summary>The default <see cref="LeaseWait"/>: 20 s, as the server's.</summary>
    public static readonly TimeSpan DefaultLeaseWait = TimeSpan.FromSeconds(20);

    /// <summary>The longest <see cref="LeaseWait"/> the server accepts: 60 s.</summary>
    public static readonly TimeSpan MaxLeaseWait = TimeSpan.FromSeconds(60);

    /// <summary>The default <see cref="ShutdownTimeout"/>: 20 s, inside the host's default of 30 s.</summary>
    public static readonly TimeSpan DefaultShutdownTimeout = TimeSpan.FromSeconds(20);

    /// <summary>The default <see cref="RequestTimeout"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultRequestTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The default <see cref="BackoffInitialInterval"/>: 1 s.</summary>
    public static readonly TimeSpan DefaultBackoffInitialInterval = TimeSpan.FromSeconds(1);

    /// <summary>The default <see cref="BackoffMaxInterval"/>: 30 s.</summary>
    public static readonly TimeSpan DefaultBackoffMaxInterval = TimeSpan.FromSeconds(30);

    /// <summary>The server's base URL, such as <c>http://127.0.0.1:7070</c> (required).</summary>
    public string? ServerUrl { get; set; }

    /// <summary>
    /// The worker's name as the server shows it (letters, digits, <c>.</c> <c>_</c> <c>-</c> <c>:</c>; at most 128).
    /// Default: the machine name and the process id, such as <c>web-1:4312</c>.
    /// </summary>
    public string WorkerId { get; set; } = DefaultWorkerId();

    /// <summary>Sent as <c>Authorization: Bearer</c> on every call when set.</summary>
    public string? BearerToken { get; set; }

    /// <summary>The queues to lease from, each with how many of its runs may execute at once (at least one queue).</summary>
    public IList<KronWorkerQueueOptions> Queues { get; } = [];

    /// <summary>How long one lease call waits on the server for a run (long poll): 0 to 60 s, default 20 s.</summary>
    public TimeSpan LeaseWait { get; set; } = DefaultLeaseWait;

    /// <summary>
    /// How often a running run's lease is extended. Default (<see langword="null"/>): a third of the lease's remaining
    /// time after each heartbeat, so two heartbeats may fail before the lease runs out.
    /// </summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>
    /// On shutdown, how long running handlers may take to finish before they are cancelled and their runs handed back
    /// to the queue (same attempt). Keep it below the host's <c>HostOptions.ShutdownTimeout</c> (30 s by default).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = DefaultShutdownTimeout;

    /// <summary>How long a heartbeat or completion call may take before it is given up and retried (a lease call: this plus <see cref="LeaseWait"/>).</summary>
    public TimeSpan RequestTimeout { get; set; } = DefaultRequestTimeout;

    /// <summary>After a failed call to the server, the first wait before calling again; it doubles up to <see cref="BackoffMaxInterval"/>.</summary>
    public TimeSpan BackoffInitialInterval { get; set; } = DefaultBackoffInitialInterval;

    /// <summary>The longest wait between calls to a server that keeps failing.</summary>
    public TimeSpan BackoffMaxInterval { get; set; } = DefaultBackoffMaxInterval;

    /// <summary>The default <see cref="WorkerId"/>: the machine name and the process id, with characters the server refuses replaced by <c>-</c>.</summary>
    /// <returns>A name such as <c>web-1:4312</c>.</returns>
    public static string DefaultWorkerId()
    {
        var name = new StringBuilder();
        foreach (var c in Environment.MachineName)
        {
            name.Append(KronWorkerOptionsValidator.IsNameCharacter(c) ? c : '-');
        }

        var pid = ":" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        return (name.Length == 0 ? "worker" : name.ToString(0, Math.Min(name.Length, 100))) + pid;
    }
}

/// <summary>A queue a worker leases from.</summary>
public sealed class KronWorkerQueueOptions
{
    /// <summary>The queue's name, as the jobs' <c>target.queue</c> names it.</summary>
    public string Name { get; set; } = string.Empty;

    /// <summary>How many runs of this queue may execute at once on this worker (at least 1).</summary>
    public int Concurrency { get; set; } = 1;
}
