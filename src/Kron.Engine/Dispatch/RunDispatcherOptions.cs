using Microsoft.Extensions.Options;

namespace Kron.Engine.Dispatch;

/// <summary>Options of <see cref="RunDispatcher"/>.</summary>
public sealed class RunDispatcherOptions
{
    public const int DefaultMaxConcurrency = 1000;

    public const int DefaultMaxPrepared = 50_000;

    public static readonly TimeSpan DefaultLeaseDuration = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan DefaultStartLead = TimeSpan.FromMilliseconds(500);
    public static readonly TimeSpan DefaultPollInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultShutdownGrace = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Runs executing at once on this node; also the most runs one claim takes. Runs are asynchronous (a webhook in
    /// flight costs a socket, not a thread), so a high limit is cheap; lower it for shell jobs that load the machine.
    /// </summary>
    public int MaxConcurrency { get; set; } = DefaultMaxConcurrency;

    /// <summary>
    /// Runs fired ahead of their slot (the trigger's look-ahead) that this node holds in memory until their slot. They
    /// do not take executor slots until they start; at this limit the trigger fires the rest at their slot instead.
    /// </summary>
    public int MaxPrepared { get; set; } = DefaultMaxPrepared;

    /// <summary>
    /// How long before its slot a prepared run is stamped started in the database (in batches), so that at the slot it
    /// only has to execute. Within this lead an update, pause or cancel of its job no longer stops it, and a crash
    /// counts it as started (an at_most_once run becomes lost).
    /// </summary>
    public TimeSpan StartLead { get; set; } = DefaultStartLead;

    /// <summary>How long a claimed run stays leased without a heartbeat; a crashed node's runs are rescued after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = DefaultLeaseDuration;

    /// <summary>The longest the dispatcher waits without looking for ready runs (retries become ready by time).</summary>
    public TimeSpan PollInterval { get; set; } = DefaultPollInterval;

    /// <summary>On stop, how long running runs may finish before they are cancelled.</summary>
    public TimeSpan ShutdownGrace { get; set; } = DefaultShutdownGrace;

    /// <summary>Leases are renewed at a third of their duration.</summary>
    public TimeSpan HeartbeatInterval => LeaseDuration / 3;
}

/// <summary>Validates <see cref="RunDispatcherOptions"/> at start.</summary>
public sealed class RunDispatcherOptionsValidator : IValidateOptions<RunDispatcherOptions>
{
    public ValidateOptionsResult Validate(string? name, RunDispatcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.MaxConcurrency is < 1 or > 10_000)
        {
            errors.Add($"Kron:Dispatcher:MaxConcurrency must be 1-10000, not {options.MaxConcurrency}.");
        }

        if (options.MaxPrepared is < 0 or > 1_000_000)
        {
            errors.Add($"Kron:Dispatcher:MaxPrepared must be 0-1000000, not {options.MaxPrepared}.");
        }

        if (options.StartLead < TimeSpan.Zero || options.StartLead > TimeSpan.FromSeconds(10))
        {
            errors.Add($"Kron:Dispatcher:StartLead must be between 0 and 10 seconds, not {options.StartLead}.");
        }

        if (options.LeaseDuration < TimeSpan.FromSeconds(1) || options.LeaseDuration > TimeSpan.FromHours(1))
        {
            errors.Add($"Kron:Dispatcher:LeaseDuration must be between 1 second and 1 hour, not {options.LeaseDuration}.");
        }

        if (options.PollInterval < TimeSpan.FromMilliseconds(10) || options.PollInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"Kron:Dispatcher:PollInterval must be between 10 ms and 1 minute, not {options.PollInterval}.");
        }

        if (options.ShutdownGrace < TimeSpan.Zero)
        {
            errors.Add("Kron:Dispatcher:ShutdownGrace must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
