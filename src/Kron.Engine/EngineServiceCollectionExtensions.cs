using Kron.Engine.Cluster;
using Kron.Engine.Dispatch;
using Kron.Engine.Execution;
using Kron.Engine.Maintenance;
using Kron.Engine.Observability;
using Kron.Engine.Queues;
using Kron.Engine.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Kron.Engine;

/// <summary>The one DI entry point of the engine.</summary>
public static class EngineServiceCollectionExtensions
{
    /// <summary>
    /// Registers the engine's services and options, bound from <c>Kron:Cluster</c>, <c>Kron:Trigger</c>,
    /// <c>Kron:Dispatcher</c>, <c>Kron:Workers</c>, <c>Kron:Rescuer</c>, <c>Kron:Cleaner</c> and <c>Kron:Metrics</c> and validated at start. The caller registers
    /// the <c>IStorageDriver</c>, <see cref="TimeProvider"/> and <see cref="NodeOptions"/>, and a
    /// <see cref="ShardOwnership"/> when the node is part of a cluster (<see cref="ShardOwnership.Leased"/>); without
    /// one the node is alone (embedded) and acts on every shard.
    /// </summary>
    public static IServiceCollection AddKronEngine(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ShardLeaserOptions>().Bind(configuration.GetSection("Kron:Cluster")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ShardLeaserOptions>, ShardLeaserOptionsValidator>();
        services.TryAddSingleton(sp => ShardOwnership.Exclusive(sp.GetRequiredService<TimeProvider>()));
        services.AddOptions<JobTriggerOptions>().Bind(configuration.GetSection("Kron:Trigger")).ValidateOnStart();
        services.AddOptions<RunDispatcherOptions>().Bind(configuration.GetSection("Kron:Dispatcher")).ValidateOnStart();
        services.AddOptions<RunRescuerOptions>().Bind(configuration.GetSection("Kron:Rescuer")).ValidateOnStart();
        services.AddOptions<RunCleanerOptions>().Bind(configuration.GetSection("Kron:Cleaner")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<JobTriggerOptions>, JobTriggerOptionsValidator>();
        services.AddSingleton<IValidateOptions<RunDispatcherOptions>, RunDispatcherOptionsValidator>();
        services.AddOptions<QueueLeaserOptions>().Bind(configuration.GetSection("Kron:Workers")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<QueueLeaserOptions>, QueueLeaserOptionsValidator>();
        services.AddSingleton<QueueLeaser>();

        services.AddSingleton<EngineSignals>();
        services.AddSingleton<LiveStats>();
        services.AddSingleton<KronMetrics>();
        services.AddSingleton<RunEvents>();
        services.AddOptions<MetricsSamplerOptions>().Bind(configuration.GetSection("Kron:Metrics")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<MetricsSamplerOptions>, MetricsSamplerOptionsValidator>();
        services.AddSingleton<MetricsSampler>();
        services.AddHttpClient<HttpRunExecutor>(client => client.Timeout = Timeout.InfiniteTimeSpan);
        services.AddSingleton<IRunExecutor>(sp => sp.GetRequiredService<HttpRunExecutor>());
        services.AddSingleton<IRunExecutor, ShellRunExecutor>();
        services.AddSingleton<IRunExecutor, NoopRunExecutor>();

        // The leaser is registered first so that it stops last: the trigger and dispatcher stop acting before the
        // node hands its shards back.
        services.AddSingleton<ShardLeaser>();
        services.AddSingleton<StorageHintListener>();
        services.AddHostedService(sp => sp.GetRequiredService<ShardLeaser>());
        services.AddHostedService(sp => sp.GetRequiredService<StorageHintListener>());
        services.AddSingleton<JobTrigger>();
        services.AddSingleton<RunDispatcher>();
        services.AddSingleton<RunRescuer>();
        services.AddSingleton<RunCleaner>();
        services.AddHostedService(sp => sp.GetRequiredService<JobTrigger>());
        services.AddHostedService(sp => sp.GetRequiredService<RunDispatcher>());
        services.AddHostedService(sp => sp.GetRequiredService<RunRescuer>());
        services.AddHostedService(sp => sp.GetRequiredService<RunCleaner>());
        services.AddHostedService(sp => sp.GetRequiredService<MetricsSampler>());
        return services;
    }
}
