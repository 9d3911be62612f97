using System.Globalization;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Engine.Execution;

/// <summary>A mock execution for simulation and benchmarks: waits <c>duration</c>, fails with <c>fail_rate</c>.</summary>
public sealed class NoopRunExecutor(TimeProvider time) : IRunExecutor
{
    public string TargetType => "noop";

    /// <summary>The outcome of an instant success, shared: a noop allocates nothing (issue 6's hot path).</summary>
    private static readonly Task<ExecutionOutcome> Succeeded = Task.FromResult(ExecutionOutcome.Success());

    public Task<ExecutionOutcome> ExecuteAsync(RunRecord run, TargetSpec target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.Duration is { } duration && duration > TimeSpan.Zero || target.FailRate is { } rate && rate > 0
            ? ExecuteSlowlyAsync(target, cancellationToken)
            : Succeeded;
    }

    private async Task<ExecutionOutcome> ExecuteSlowlyAsync(TargetSpec target, CancellationToken cancellationToken)
    {
        if (target.Duration is { } duration && duration > TimeSpan.Zero)
        {
            await Task.Delay(duration, time, cancellationToken).ConfigureAwait(false);
        }

#pragma warning disable CA5394 // Not security: a simulated failure rate.
        var failed = target.FailRate is { } rate && rate > 0 && Random.Shared.NextDouble() < rate;
#pragma warning restore CA5394
        return failed
            ? ExecutionOutcome.Failure(string.Create(CultureInfo.InvariantCulture, $"simulated failure (fail_rate {target.FailRate})"))
            : ExecutionOutcome.Success();
    }
}
