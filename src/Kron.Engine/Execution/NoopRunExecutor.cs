using System.Globalization;
using Kron.Protocol;
using Kron.Storage;

namespace Kron.Engine.Execution;

/// <summary>A mock execution for simulation and benchmarks: waits <c>duration</c>, fails with <c>fail_rate</c>.</summary>
public sealed class NoopRunExecutor(TimeProvider time) : IRunExecutor
{
    public string TargetType => "noop";

    public async Task<ExecutionOutcome> ExecuteAsync(RunRecord run, TargetSpec target, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(target);
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
