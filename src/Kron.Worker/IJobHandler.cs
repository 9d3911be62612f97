namespace Kron.Worker;

/// <summary>
/// Runs one job type. Registered with <see cref="KronWorkerBuilder.AddHandler{THandler}(string)"/> and resolved from
/// a DI scope of its own for every run, so a handler may depend on scoped services.
/// </summary>
/// <remarks>
/// Return a <see cref="JobOutcome"/> to say how the attempt ended. A thrown exception is a retryable failure with the
/// exception's type and message. When the <c>cancellationToken</c> fires (the run was cancelled or replaced,
/// its lease was lost, its timeout passed, or the worker shuts down) stop promptly and let the
/// <see cref="OperationCanceledException"/> propagate. A run can execute more than once (at-least-once delivery):
/// deduplicate side effects with <see cref="JobContext.IdempotencyKey"/>.
/// </remarks>
public interface IJobHandler
{
    /// <summary>Runs one attempt of a run.</summary>
    /// <param name="context">The run: ids, attempt, payload, lease.</param>
    /// <param name="cancellationToken">Fires when the handler should stop.</param>
    /// <returns>How the attempt ended.</returns>
    Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken);
}
