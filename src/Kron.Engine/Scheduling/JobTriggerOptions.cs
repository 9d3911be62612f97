using Microsoft.Extensions.Options;

namespace Kron.Engine.Scheduling;

/// <summary>Options of <see cref="JobTrigger"/>.</summary>
public sealed class JobTriggerOptions
{
    public const int DefaultBatchSize = 1000;

    public static readonly TimeSpan DefaultMaxIdleInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan DefaultMisfireThreshold = TimeSpan.FromSeconds(5);

    public static readonly TimeSpan DefaultLookAhead = TimeSpan.FromSeconds(10);

    public const int DefaultBurstSize = 100;

    /// <summary>A slot later than this is missed, and the job's misfire policy decides whether it runs.</summary>
    public TimeSpan MisfireThreshold { get; set; } = DefaultMisfireThreshold;

    /// <summary>
    /// How far ahead the slots of a burst (<see cref="BurstSize"/> or more jobs due at one instant: cron minute
    /// boundaries, one-time jobs for the same moment) are fired. A job of such a burst whose slot cannot depend on the
    /// moment it fires (concurrency <c>allow</c> without <c>max_concurrent</c>, run by this node's executors) has its
    /// run inserted now, leased to this node but not started ("prepared"), and held in memory until the slot; just
    /// before it, batches of prepared runs are stamped started, so at the slot they only execute and a burst starts on
    /// time however many slots it has. Zero fires every slot at its instant. An update, pause, delete or cancel before
    /// the stamp withdraws the prepared run.
    /// </summary>
    public TimeSpan LookAhead { get; set; } = DefaultLookAhead;

    /// <summary>
    /// How many slots at one instant make a burst worth preparing (see <see cref="LookAhead"/>). Fewer fire at their
    /// instant: a prepared run costs one more write (its start stamp), which only pays when firing them all at the
    /// instant would make them late.
    /// </summary>
    public int BurstSize { get; set; } = DefaultBurstSize;

    /// <summary>Slots fired per transaction.</summary>
    public int BatchSize { get; set; } = DefaultBatchSize;

    /// <summary>The longest the trigger sleeps without looking at the table (the periodic scan is the guarantee;
    /// wake-ups only cut latency).</summary>
    public TimeSpan MaxIdleInterval { get; set; } = DefaultMaxIdleInterval;
}

/// <summary>Validates <see cref="JobTriggerOptions"/> at start.</summary>
public sealed class JobTriggerOptionsValidator : IValidateOptions<JobTriggerOptions>
{
    public ValidateOptionsResult Validate(string? name, JobTriggerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BatchSize is < 1 or > 10_000)
        {
            return ValidateOptionsResult.Fail($"Kron:Trigger:BatchSize must be 1-10000, not {options.BatchSize}.");
        }

        if (options.BurstSize is < 1 or > 1_000_000)
        {
            return ValidateOptionsResult.Fail($"Kron:Trigger:BurstSize must be 1-1000000, not {options.BurstSize}.");
        }

        if (options.LookAhead < TimeSpan.Zero || options.LookAhead > TimeSpan.FromMinutes(1))
        {
            return ValidateOptionsResult.Fail($"Kron:Trigger:LookAhead must be between 0 and 1 minute, not {options.LookAhead}.");
        }

        return options.MaxIdleInterval < TimeSpan.FromMilliseconds(10) || options.MaxIdleInterval > TimeSpan.FromMinutes(1)
            ? ValidateOptionsResult.Fail($"Kron:Trigger:MaxIdleInterval must be between 10 ms and 1 minute, not {options.MaxIdleInterval}.")
            : ValidateOptionsResult.Success;
    }
}
