using Microsoft.Extensions.DependencyInjection;

namespace Kron.Worker;

/// <summary>A handler added with <see cref="KronWorkerBuilder.AddHandler{THandler}(string)"/>.</summary>
internal sealed record JobHandlerRegistration(string JobType, Type HandlerType);

/// <summary>The job types this worker has handlers for, and the handler of a run resolved from its scope.</summary>
internal sealed class JobHandlerCatalog(IEnumerable<JobHandlerRegistration> registrations)
{
    public IReadOnlyList<string> JobTypes { get; } = [.. registrations.Select(r => r.JobType).Order(StringComparer.Ordinal)];

    public static IJobHandler? Resolve(IServiceProvider scope, string jobType) => scope.GetKeyedService<IJobHandler>(jobType);

    public string NoHandlerError(string jobType, string workerId) =>
        $"no handler for job type \"{jobType}\" on worker {workerId} (it handles {(JobTypes.Count == 0 ? "none" : string.Join(", ", JobTypes))}); register one with AddHandler<T>(\"{jobType}\")";
}
