using System.Globalization;
using Kron.Client;
using Microsoft.Extensions.Options;

namespace Kron.Worker;

/// <summary>Checks <see cref="KronWorkerOptions"/> when the host starts; each message names the option to fix.</summary>
public sealed class KronWorkerOptionsValidator : IValidateOptions<KronWorkerOptions>
{
    private const int MaxNameLength = 128;
    private const int MaxQueueNameLength = 64;
    private const int MaxQueues = 32;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KronWorkerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ServerUrl))
        {
            failures.Add("KronWorkerOptions.ServerUrl is required: set it to the Kron server's URL, such as http://127.0.0.1:7070");
        }
        else if (!KronClient.TryParseBaseUrl(options.ServerUrl, out _, out var error))
        {
            failures.Add("KronWorkerOptions.ServerUrl: " + error);
        }

        if (!IsName(options.WorkerId))
        {
            failures.Add($"KronWorkerOptions.WorkerId \"{options.WorkerId}\" is not a worker name: use 1 to {MaxNameLength} letters, digits, '.', '_', '-' or ':'");
        }

        ValidateQueues(options.Queues, failures);
        if (options.LeaseWait < TimeSpan.Zero || options.LeaseWait > KronWorkerOptions.MaxLeaseWait)
        {
            failures.Add(Invariant($"KronWorkerOptions.LeaseWait is {options.LeaseWait}: it must be between 0 and {KronWorkerOptions.MaxLeaseWait.TotalSeconds:0} seconds"));
        }

        if (options.HeartbeatInterval is { } heartbeat && heartbeat <= TimeSpan.Zero)
        {
            failures.Add(Invariant($"KronWorkerOptions.HeartbeatInterval is {heartbeat}: it must be positive, or null for a third of the lease's remaining time"));
        }

        Positive(options.ShutdownTimeout, nameof(options.ShutdownTimeout), failures, allowZero: true);
        Positive(options.RequestTimeout, nameof(options.RequestTimeout), failures, allowZero: false);
        Positive(options.BackoffInitialInterval, nameof(options.BackoffInitialInterval), failures, allowZero: false);
        Positive(options.BackoffMaxInterval, nameof(options.BackoffMaxInterval), failures, allowZero: false);
        if (options.BackoffMaxInterval < options.BackoffInitialInterval)
        {
            failures.Add("KronWorkerOptions.BackoffMaxInterval must not be shorter than BackoffInitialInterval");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    internal static bool IsNameCharacter(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':';

    internal static bool IsName(string? text) =>
        !string.IsNullOrEmpty(text) && text.Length <= MaxNameLength && text.All(IsNameCharacter);

    internal static bool IsQueueName(string? text) =>
        text is { Length: > 0 and <= MaxQueueNameLength }
        && char.IsAsciiLetterOrDigit(text[0])
        && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static void ValidateQueues(IList<KronWorkerQueueOptions> queues, List<string> failures)
    {
        if (queues.Count == 0)
        {
            failures.Add("KronWorkerOptions.Queues is empty: add at least one queue with AddQueue(\"name\", concurrency)");
            return;
        }

        if (queues.Count > MaxQueues)
        {
            failures.Add(Invariant($"KronWorkerOptions.Queues has {queues.Count} queues: a worker leases from at most {MaxQueues}"));
        }

        foreach (var queue in queues)
        {
            if (!IsQueueName(queue.Name))
            {
                failures.Add($"KronWorkerOptions.Queues: \"{queue.Name}\" is not a queue name: use 1 to {MaxQueueNameLength} letters, digits, '.', '_' or '-', starting with a letter or digit");
            }

            if (queue.Concurrency < 1)
            {
                failures.Add(Invariant($"KronWorkerOptions.Queues: queue \"{queue.Name}\" has Concurrency {queue.Concurrency}: it must be at least 1"));
            }
        }

        foreach (var duplicate in queues.GroupBy(q => q.Name, StringComparer.Ordinal).Where(g => g.Count() > 1))
        {
            failures.Add($"KronWorkerOptions.Queues: queue \"{duplicate.Key}\" is added {duplicate.Count()} times: add each queue once");
        }
    }

    private static void Positive(TimeSpan value, string option, List<string> failures, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value == TimeSpan.Zero))
        {
            failures.Add(Invariant($"KronWorkerOptions.{option} is {value}: it must be {(allowZero ? "zero or positive" : "positive")}"));
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
