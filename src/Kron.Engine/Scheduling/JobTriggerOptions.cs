using Microsoft.Extensions.Options;

namespace Kron.Engine.Scheduling;

/// <summary>Options of <see cref="JobTrigger"/>.</summary>
public sealed class JobTriggerOptions
{
    public const int DefaultBatchSize = 1000;

    public static readonly TimeSpan DefaultMaxIdleInterval = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan DefaultMisfireThreshold = TimeSpan.FromSeconds(5);

    /// <summary>A slot later than this is missed, and the job's misfire policy decides whether it runs.</summary>
    public TimeSpan MisfireThreshold { get; set; } = DefaultMisfireThreshold;

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

        return options.MaxIdleInterval < TimeSpan.FromMilliseconds(10) || options.MaxIdleInterval > TimeSpan.FromMinutes(1)
            ? ValidateOptionsResult.Fail($"Kron:Trigger:MaxIdleInterval must be between 10 ms and 1 minute, not {options.MaxIdleInterval}.")
            : ValidateOptionsResult.Success;
    }
}
