using Kron.Protocol;
using Kron.Storage;

namespace Kron.Engine.Execution;

/// <summary>Executes one attempt of a run for one target type (<c>http</c>, <c>shell</c>, <c>noop</c>).</summary>
public interface IRunExecutor
{
    /// <summary>The target type this executor handles.</summary>
    string TargetType { get; }

    /// <summary>
    /// Runs the attempt. <paramref name="cancellationToken"/> fires on timeout, cancellation or shutdown; the
    /// executor then aborts the work (kills the process group, aborts the request) and returns or throws
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    Task<ExecutionOutcome> ExecuteAsync(RunRecord run, TargetSpec target, CancellationToken cancellationToken);
}

/// <summary>
/// What an attempt ended with. <see cref="Retryable"/> false sends a failure straight to failed; <see cref="RetryAfter"/>
/// is the target's own request for a delay (HTTP <c>Retry-After</c>).
/// </summary>
public sealed record ExecutionOutcome(bool Succeeded, int? ExitCode = null, int? HttpStatus = null, string? Error = null, string? Output = null, bool Retryable = true)
{
    public TimeSpan? RetryAfter { get; init; }

    public static ExecutionOutcome Success(string? output = null) => new(true, Output: output);

    public static ExecutionOutcome Failure(string error, string? output = null) => new(false, Error: error, Output: output);
}
