using Microsoft.Extensions.DependencyInjection;

namespace Kron.Worker.Testing;

/// <summary>
/// Runs a handler the way the worker does, without a server: an exception becomes a retryable failure, a
/// cancellation the run asked for becomes <see cref="JobOutcomeKind.Cancelled"/>, a shutdown hands the run back. The
/// outcome is what the worker would complete the run with.
/// </summary>
/// <example>
/// <code>
/// var outcome = await new JobHandlerTester(new SendEmailHandler(fakeMailer))
///     .RunAsync(TestJobContext.Create("email_send", TestJobContext.Payload("""{"to":"a@example.com"}""")));
/// KronAssert.Succeeded(outcome);
/// </code>
/// </example>
public sealed class JobHandlerTester
{
    private readonly Func<JobContext, CancellationToken, Task<JobOutcome>> _invoke;

    /// <summary>Tests <paramref name="handler"/> itself.</summary>
    /// <param name="handler">The handler.</param>
    public JobHandlerTester(IJobHandler handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        _invoke = (context, token) => JobInvoker.InvokeAsync(handler, context, token);
    }

    private JobHandlerTester(Func<JobContext, CancellationToken, Task<JobOutcome>> invoke) => _invoke = invoke;

    /// <summary>
    /// Tests the handler that <c>AddKronWorker(...).AddHandler&lt;T&gt;(<paramref name="jobType"/>)</c> registered in
    /// <paramref name="services"/>, resolved from a scope of its own for every run, as the worker resolves it. The
    /// handler is resolved once here, so a missing registration or dependency fails at once with the container's message.
    /// </summary>
    /// <param name="services">The application's services (a provider is built with scope validation).</param>
    /// <param name="jobType">The job type.</param>
    /// <returns>The tester.</returns>
    /// <exception cref="InvalidOperationException">No handler is registered for <paramref name="jobType"/>, or it cannot be built.</exception>
    public static JobHandlerTester FromServices(IServiceCollection services, string jobType)
    {
        ArgumentNullException.ThrowIfNull(services);
        return FromServices(services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true }), jobType);
    }

    /// <summary>Tests the handler registered for <paramref name="jobType"/> in <paramref name="services"/>; see <see cref="FromServices(IServiceCollection, string)"/>.</summary>
    /// <param name="services">The application's service provider.</param>
    /// <param name="jobType">The job type.</param>
    /// <returns>The tester.</returns>
    /// <exception cref="InvalidOperationException">No handler is registered for <paramref name="jobType"/>, or it cannot be built.</exception>
    public static JobHandlerTester FromServices(IServiceProvider services, string jobType)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(jobType);
        var catalog = new JobHandlerCatalog(services.GetServices<JobHandlerRegistration>());
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        using (var scope = scopes.CreateScope())
        {
            if (JobHandlerCatalog.Resolve(scope.ServiceProvider, jobType) is null)
            {
                throw new InvalidOperationException(catalog.NoHandlerError(jobType, "under test"));
            }
        }

        return new JobHandlerTester(async (context, token) =>
        {
            var scope = scopes.CreateAsyncScope();
            await using (scope.ConfigureAwait(false))
            {
                var handler = JobHandlerCatalog.Resolve(scope.ServiceProvider, jobType)!;
                return await JobInvoker.InvokeAsync(handler, context, token).ConfigureAwait(false);
            }
        });
    }

    /// <summary>Runs the handler once with <paramref name="context"/> and returns the outcome the worker would report.</summary>
    /// <param name="context">The run (see <see cref="TestJobContext.Create"/>).</param>
    /// <param name="cancellationToken">Cancels the run as if the server asked to (<see cref="JobTestRun.RequestCancellation"/>).</param>
    /// <returns>The outcome.</returns>
    public async Task<JobOutcome> RunAsync(JobContext context, CancellationToken cancellationToken = default)
    {
        var run = Start(context);
        using (cancellationToken.Register(run.RequestCancellation))
        {
            return await run.Outcome.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Starts the handler with <paramref name="context"/> and returns at once, so that the test can cancel the run,
    /// lose its lease or shut the worker down while the handler runs, then await <see cref="JobTestRun.Outcome"/>.
    /// </summary>
    /// <param name="context">The run.</param>
    /// <returns>The running run.</returns>
    public JobTestRun Start(JobContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new JobTestRun(context, _invoke);
    }
}
