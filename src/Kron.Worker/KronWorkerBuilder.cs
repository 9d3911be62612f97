using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Worker;

/// <summary>
/// Adds queues and handlers to the worker that
/// <see cref="KronWorkerServiceCollectionExtensions.AddKronWorker(IServiceCollection, Action{KronWorkerOptions})"/>
/// registered.
/// </summary>
public sealed class KronWorkerBuilder
{
    internal KronWorkerBuilder(IServiceCollection services, IHttpClientBuilder httpClient)
    {
        Services = services;
        HttpClient = httpClient;
    }

    /// <summary>The service collection the worker is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// The named <see cref="System.Net.Http.HttpClient"/> the worker calls the server with: add message handlers
    /// (authentication, proxies, a test server's handler) here. Its timeout is infinite: each call has its own
    /// (<see cref="KronWorkerOptions.RequestTimeout"/>, plus <see cref="KronWorkerOptions.LeaseWait"/> for a lease call).
    /// </summary>
    public IHttpClientBuilder HttpClient { get; }

    /// <summary>Leases runs of queue <paramref name="name"/>, at most <paramref name="concurrency"/> of them executing at once.</summary>
    /// <param name="name">The queue's name, as the jobs' <c>target.queue</c> names it.</param>
    /// <param name="concurrency">How many of its runs may execute at once on this worker (at least 1).</param>
    /// <returns>This builder.</returns>
    public KronWorkerBuilder AddQueue(string name, int concurrency = 1)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(concurrency, 1);
        Services.Configure<KronWorkerOptions>(o => o.Queues.Add(new KronWorkerQueueOptions { Name = name, Concurrency = concurrency }));
        return this;
    }

    /// <summary>
    /// Runs jobs of type <paramref name="jobType"/> (the jobs' <c>target.job_type</c>) with
    /// <typeparamref name="THandler"/>, resolved from a DI scope of its own for every run.
    /// </summary>
    /// <typeparam name="THandler">The handler; registered as a scoped service keyed by <paramref name="jobType"/>.</typeparam>
    /// <param name="jobType">The job type it handles.</param>
    /// <returns>This builder.</returns>
    /// <exception cref="InvalidOperationException">Another handler is registered for <paramref name="jobType"/>.</exception>
    public KronWorkerBuilder AddHandler<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] THandler>(string jobType)
        where THandler : class, IJobHandler
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(jobType);
        var existing = Services
            .Where(d => !d.IsKeyedService && d.ServiceType == typeof(JobHandlerRegistration))
            .Select(d => (JobHandlerRegistration)d.ImplementationInstance!)
            .FirstOrDefault(r => r.JobType == jobType);
        if (existing is not null)
        {
            throw new InvalidOperationException($"job type \"{jobType}\" already has a handler ({existing.HandlerType.FullName}); register one handler per job type");
        }

        Services.AddSingleton(new JobHandlerRegistration(jobType, typeof(THandler)));
        Services.AddKeyedScoped<IJobHandler, THandler>(jobType);
        return this;
    }
}
