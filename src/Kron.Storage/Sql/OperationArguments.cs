using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// The arguments the seam refuses whatever the driver, checked before anything is written: the same refusals, with the
/// same messages, from every driver.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class OperationArguments
{
    /// <exception cref="ArgumentOutOfRangeException">The limit is not positive.</exception>
    /// <exception cref="ArgumentException"><c>From</c> without shards, or not one instant per shard.</exception>
    public static void ThrowIfInvalid(GetDueJobsParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        if (parameters.From is { } from && from.Count != (parameters.Shards?.Count ?? 0))
        {
            throw new ArgumentException($"From has {from.Count} instants for {parameters.Shards?.Count ?? 0} shards: give one per shard.", nameof(parameters));
        }
    }

    /// <exception cref="ArgumentException">A fire's run belongs to another job.</exception>
    public static void ThrowIfInvalid(FireJobsParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var fire in parameters.Fires)
        {
            // A loop, not LINQ: this runs for every fire on the hot path.
            for (var i = 0; i < fire.Runs.Count; i++)
            {
                if (fire.Runs[i] is { } stranger && stranger.JobId != fire.JobId)
                {
                    throw new ArgumentException($"Run {stranger.Id} of job {fire.JobId}'s fire belongs to job {stranger.JobId}.", nameof(parameters));
                }
            }
        }
    }

    /// <exception cref="ArgumentException">A completion's state is <see cref="RunState.Running"/>, or it has a
    /// <c>RetryAt</c> without being a retry.</exception>
    public static void ThrowIfInvalid(CompleteRunsParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        foreach (var completion in parameters.Completions)
        {
            if (completion.State == RunState.Running)
            {
                throw new ArgumentException($"Run {completion.RunId}: running is not an outcome.", nameof(parameters));
            }

            if (completion.RetryAt is not null && completion.State != RunState.Queued)
            {
                throw new ArgumentException($"Run {completion.RunId}: RetryAt is only for a retry (state queued).", nameof(parameters));
            }
        }
    }

    /// <exception cref="ArgumentException">No worker or no queue is named.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><c>Limit</c> or <c>LeaseDuration</c> is not positive.</exception>
    public static void ThrowIfInvalid(LeaseQueueRunsParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Worker, nameof(parameters));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(parameters.LeaseDuration, TimeSpan.Zero);
        if (parameters.Queues.Count == 0 || parameters.Queues.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Name at least one queue, and no empty name.", nameof(parameters));
        }
    }

    /// <exception cref="ArgumentException">The queue has no name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The limit is not positive.</exception>
    public static void ThrowIfInvalid(SetQueueLimitParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentException.ThrowIfNullOrEmpty(parameters.Queue, nameof(parameters));
        if (parameters.MaxLeased is { } max)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max, nameof(parameters));
        }
    }

    /// <exception cref="ArgumentOutOfRangeException"><c>Limit</c> is not positive.</exception>
    /// <exception cref="ArgumentException"><c>States</c> is empty or names a state that is not redriven (only dead,
    /// failed, lost and cancelled are).</exception>
    public static void ThrowIfInvalid(RedriveRunsParams parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(parameters.Limit);
        if (parameters.States.Count == 0)
        {
            throw new ArgumentException("Name the states to redrive (dead, failed, lost, cancelled).", nameof(parameters));
        }

        foreach (var state in parameters.States)
        {
            // Live runs are not finished, and a success or a skipped slot is not a failure to retry.
            if (state is not (RunState.Dead or RunState.Failed or RunState.Lost or RunState.Cancelled))
            {
                throw new ArgumentException($"Runs in state {WireNames.Of(state)} are not redriven; only dead, failed, lost and cancelled are.", nameof(parameters));
            }
        }
    }
}
