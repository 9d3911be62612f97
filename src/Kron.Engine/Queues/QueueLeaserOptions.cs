using Microsoft.Extensions.Options;

namespace Kron.Engine.Queues;

/// <summary>Options of <see cref="QueueLeaser"/> (<c>Kron:Workers</c>).</summary>
public sealed class QueueLeaserOptions
{
    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultMaxWait = TimeSpan.FromSeconds(60);
    public static readonly TimeSpan DefaultWorkerTtl = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long a worker holds a leased run without a heartbeat. When it passes, the run is queued again (at least
    /// once) or lost (at most once). Workers heartbeat at a third of it.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = DefaultLeaseDuration;

    /// <summary>
    /// The longest a waiting long-poll goes without looking. Runs made ready on this node wake it at once; runs made
    /// ready on another node of a cluster, or retries whose time came, are seen within it.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>The longest <c>wait</c> a lease call may ask for.</summary>
    public TimeSpan MaxWait { get; set; } = DefaultMaxWait;

    /// <summary><c>GET /v1/workers</c> lists workers seen within this (and any holding runs); they are alive within a lease duration.</summary>
    public TimeSpan WorkerTtl { get; set; } = DefaultWorkerTtl;
}

/// <summary>Validates <see cref="QueueLeaserOptions"/> at start.</summary>
public sealed class QueueLeaserOptionsValidator : IValidateOptions<QueueLeaserOptions>
{
    public ValidateOptionsResult Validate(string? name, QueueLeaserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration > TimeSpan.FromHours(1))
        {
            errors.Add($"Kron:Workers:LeaseDuration must be between 1 second and 1 hour, not {options.LeaseDuration}.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromSeconds(30))
        {
            errors.Add($"Kron:Workers:PollInterval must be between 10 ms and 30 seconds, not {options.PollInterval}.");
        }

        if (options.MaxWait < TimeSpan.Zero || options.MaxWait > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Kron:Workers:MaxWait must be between 0 and 5 minutes, not {options.MaxWait}.");
        }

        if (options.WorkerTtl < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Kron:Workers:WorkerTtl must be at least 1 second, not {options.WorkerTtl}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
