using Kron.Engine;
using Kron.Engine.Cluster;
using Kron.Engine.Observability;
using Kron.Server.Api;
using Kron.Server.Dashboard;
using Kron.Server.Metrics;
using Kron.Server.Jobs;
using Kron.Storage;
using Kron.Storage.Postgres;
using Kron.Storage.Sqlite;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Server.Hosting;

/// <summary>
/// A running Kron node: the data directory lock, the migrated storage and the web host with the engine. The single
/// composition root; <c>kron serve</c> and the tests start nodes through <see cref="StartAsync"/>.
/// </summary>
public sealed class KronNode : IAsyncDisposable
{
    private readonly DataDirectoryLock? _lock;

    private KronNode(DataDirectoryLock? dataLock, IStorageDriver storage, WebApplication app)
    {
        _lock = dataLock;
        Storage = storage;
        App = app;
    }

    public WebApplication App { get; }

    public IStorageDriver Storage { get; }

    /// <summary>The addresses the node listens on (the real port when the settings asked for port 0).</summary>
    public IReadOnlyCollection<string> Addresses =>
        App.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>
    /// Opens and migrates the storage and starts the host. Embedded (no <see cref="ServerSettings.Store"/>): locks the
    /// data directory and opens its SQLite file; the node holds every shard. Cluster: opens PostgreSQL, migrates under
    /// an advisory lock, makes sure no live node has the same id, and leases its share of the shards.
    /// <paramref name="configure"/> lets tests replace parts (a test server, a manual clock, fast options).
    /// </summary>
    /// <exception cref="DataDirectoryLockedException">Another process uses the data directory.</exception>
    /// <exception cref="SchemaTooNewException">The database was migrated by a newer Kron.</exception>
    /// <exception cref="NodeIdInUseException">A live cluster node has the same id.</exception>
    public static async Task<KronNode> StartAsync(ServerSettings settings, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var dataLock = settings.IsCluster ? null : DataDirectoryLock.Acquire(settings.DataDirectory);
        IStorageDriver? storage = null;
        try
        {
            var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [] });

            // Defaults under everything else (environment, appsettings): ASP.NET Core's six lines per request would log
            // every worker long-poll and dashboard refresh; the run lines (Kron.Runs) are what an operator reads.
            builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
            {
                InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
            });
            builder.WebHost.UseUrls(settings.ListenUrl);
            builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 2 * JobsLimits.MaxBodyBytes);
            builder.Services.AddSingleton(TimeProvider.System);
            configure?.Invoke(builder);

            var time = TimeProviderOf(builder.Services);
            if (builder.Configuration.GetValue<TimeSpan?>("Kron:Clock:Offset") is { } offset && offset != TimeSpan.Zero)
            {
                time = new OffsetTimeProvider(time, offset);
                builder.Services.AddSingleton(time);
            }

            if (settings.Store is { } store)
            {
                Directory.CreateDirectory(settings.DataDirectory);
                storage = PostgresDriver.Open(store);
                await storage.MigrateAsync(new MigrateParams(), cancellationToken).ConfigureAwait(false);
                // The database's clock is the node's: leases, slots and instants agree across nodes whatever their clocks say.
                var clock = new DatabaseClock(time);
                var leases = builder.Configuration.GetSection("Kron:Cluster").Get<ShardLeaserOptions>() ?? new ShardLeaserOptions();
                await WaitUntilNodeIdIsFreeAsync(storage, settings.NodeId, leases.LeaseTtl, clock, cancellationToken).ConfigureAwait(false);
                builder.Services.AddSingleton<TimeProvider>(clock);
                builder.Services.AddSingleton(clock);
                builder.Services.AddSingleton(ShardOwnership.Leased(clock));
            }
            else
            {
                storage = SqliteDriver.Open(settings.DatabasePath, time);
                await storage.MigrateAsync(new MigrateParams(), cancellationToken).ConfigureAwait(false);
            }

            builder.Services.AddSingleton(storage);
            builder.Services.Configure<NodeOptions>(o =>
            {
                o.NodeId = settings.NodeId;
                o.Address = settings.ListenUrl;
                o.DataDirectory = Path.GetFullPath(settings.DataDirectory);
            });
            AddServices(builder);

            var app = builder.Build();

            // Every ValidateOnStart option, checked before the host starts: a bad setting is then one exception with the
            // setting's name, not the host's "failed to start" error with a stack trace.
            app.Services.GetService<Microsoft.Extensions.Options.IStartupValidator>()?.Validate();
            await RescueOwnLeasesAsync(storage, settings.NodeId, app.Services.GetRequiredService<RunEvents>(), cancellationToken).ConfigureAwait(false);
            MapEndpoints(app);
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var node = new KronNode(dataLock, storage, app);
            if (node.Addresses.FirstOrDefault() is { } address)
            {
                // Port 0 resolved to a real port: the cluster view shows where the node is reached.
                app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<NodeOptions>>().Value.Address =
                    AdvertisedAddress(address, app.Configuration["Kron:Node:Advertise"]);
            }

            ApiAuthentication.WarnWhenOpen(app, node.Addresses);

            return node;
        }
        catch
        {
            if (storage is not null)
            {
                await storage.DisposeAsync().ConfigureAwait(false);
            }

            dataLock?.Dispose();
            throw;
        }
    }

    /// <summary>Stops the host gracefully (running runs get their grace period), then closes storage and the lock.</summary>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync().ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await Storage.DisposeAsync().ConfigureAwait(false);
        _lock?.Dispose();
    }

    /// <summary>
    /// Before the engine starts: runs still leased to this node id were running when a previous process with this id
    /// died, so nothing runs them now. Rescue them at once (queued again, or lost when at most once) instead of waiting
    /// for their leases to expire. Done before the host starts (so before the dispatcher can claim anything): no fresh
    /// lease is touched. Each rescued run is logged and counted like any rescue.
    /// </summary>
    private static async Task RescueOwnLeasesAsync(IStorageDriver storage, string nodeId, RunEvents events, CancellationToken cancellationToken)
    {
        const int batch = 1000;
        while (true)
        {
            var rescued = await storage.RescueRunsAsync(new RescueRunsParams(batch, Owner: nodeId), cancellationToken).ConfigureAwait(false);
            events.Rescued(rescued.Runs);
            if (rescued.Requeued + rescued.Lost < batch)
            {
                return;
            }
        }
    }

    /// <summary>
    /// A node id must name one live process: a second one would renew the first one's leases and rescue its runs. A
    /// row whose heartbeat is within the lease TTL is a live node, unless it stops heart-beating (a killed
    /// predecessor being restarted): wait up to one TTL for that, then refuse.
    /// </summary>
    private static async Task WaitUntilNodeIdIsFreeAsync(IStorageDriver storage, string nodeId, TimeSpan ttl, DatabaseClock time, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        while (true)
        {
            // Also the clock's first sample, so that instants are right from the first request on.
            var sentAt = time.InnerNow();
            var view = await storage.GetClusterAsync(new GetClusterParams(), cancellationToken).ConfigureAwait(false);
            time.Observe(view.Now, sentAt, time.InnerNow());
            var same = view.Nodes.FirstOrDefault(n => n.Id == nodeId);
            if (same is null || same.HeartbeatAt <= view.Now - ttl)
            {
                return;
            }

            if (time.GetElapsedTime(started) > ttl + TimeSpan.FromSeconds(1))
            {
                throw NodeIdInUseException.For(nodeId, same.Address, same.HeartbeatAt);
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), time, cancellationToken).ConfigureAwait(false);
        }
    }

    private static void AddServices(WebApplicationBuilder builder)
    {
        builder.Services.AddKronEngine(builder.Configuration);
        builder.Services.AddApiAuthentication(builder.Configuration);
        builder.Services.AddHttpClient(StatsApi.PeerClient);
        builder.Services.AddSingleton<JobService>();
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ApiProblems.FillDetail);
        // Unreadable parameters (limit=many) throw, so that the problem can say which parameter and why.
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<ExceptionHandlerOptions>(o =>
        {
            o.StatusCodeSelector = e => e is BadHttpRequestException bad ? bad.StatusCode : StatusCodes.Status500InternalServerError;
            o.SuppressDiagnosticsCallback = c => c.Exception is BadHttpRequestException;
        });
        builder.Services.AddOpenApi();
        builder.Services.AddKronMetricsExporter();
        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            var protocol = Kron.Protocol.ProtocolJson.Options;
            o.SerializerOptions.PropertyNamingPolicy = protocol.PropertyNamingPolicy;
            o.SerializerOptions.DefaultIgnoreCondition = protocol.DefaultIgnoreCondition;
            o.SerializerOptions.TypeInfoResolverChain.Insert(0, Kron.Protocol.ProtocolJsonContext.Default);
            foreach (var converter in protocol.Converters)
            {
                o.SerializerOptions.Converters.Add(converter);
            }
        });
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseApiAuthentication();
        app.MapOpenApi();
        app.MapHealthApi();
        app.MapJobsApi();
        app.MapRunsApi();
        app.MapCronApi();
        app.MapClusterApi();
        app.MapWorkersApi();
        app.MapStatsApi();
        app.MapMetrics();
        app.MapDashboard();
    }

    /// <summary>
    /// The address other nodes and people use to reach this one: <c>Kron:Node:Advertise</c> when set; otherwise the
    /// bound address, with a wildcard host (<c>0.0.0.0</c>, <c>[::]</c>, <c>+</c>, <c>*</c>) replaced by the host name,
    /// since a wildcard reaches whichever machine dials it, not this node.
    /// </summary>
    internal static string AdvertisedAddress(string bound, string? advertise)
    {
        if (!string.IsNullOrWhiteSpace(advertise))
        {
            return advertise.TrimEnd('/');
        }

        if (ListenAddress.Parse(bound) is { } uri && ListenAddress.IsWildcard(uri))
        {
            return new UriBuilder(uri) { Host = System.Net.Dns.GetHostName() }.Uri.ToString().TrimEnd('/');
        }

        return bound;
    }

    private static TimeProvider TimeProviderOf(IServiceCollection services) =>
        services.LastOrDefault(d => d.ServiceType == typeof(TimeProvider))?.ImplementationInstance as TimeProvider ?? TimeProvider.System;
}
