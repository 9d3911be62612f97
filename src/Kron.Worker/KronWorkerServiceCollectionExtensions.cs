using System.Net.Http.Headers;
using Kron.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Kron.Worker;

/// <summary>Registers a Kron worker in a host.</summary>
public static class KronWorkerServiceCollectionExtensions
{
    /// <summary>The name of the <see cref="HttpClient"/> the worker uses (<see cref="KronWorkerBuilder.HttpClient"/>).</summary>
    public const string HttpClientName = "Kron.Worker";

    /// <summary>
    /// Adds a worker that leases runs of its queues from a Kron server and executes them with the handlers added to
    /// the returned builder, as a hosted service. The options are checked when the host starts. Calling it again
    /// configures the same worker.
    /// </summary>
    /// <param name="services">The host's services.</param>
    /// <param name="configure">Sets the options: at least <see cref="KronWorkerOptions.ServerUrl"/>.</param>
    /// <returns>A builder to add queues and handlers with.</returns>
    /// <example>
    /// <code>
    /// builder.Services.AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070")
    ///     .AddQueue("emails", concurrency: 8)
    ///     .AddHandler&lt;SendEmailHandler&gt;("email_send");
    /// </code>
    /// </example>
    public static KronWorkerBuilder AddKronWorker(this IServiceCollection services, Action<KronWorkerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<KronWorkerOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KronWorkerOptions>, KronWorkerOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobHandlerCatalog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, KronWorker>());
        var http = services.AddHttpClient(HttpClientName).ConfigureHttpClient((provider, client) =>
        {
            var options = provider.GetRequiredService<IOptions<KronWorkerOptions>>().Value;
            if (KronClient.TryParseBaseUrl(options.ServerUrl, out var baseAddress, out _))
            {
                client.BaseAddress = baseAddress;
            }

            // Each call has its own timeout; a long poll must never meet the default 100 s one.
            client.Timeout = Timeout.InfiniteTimeSpan;
            if (!string.IsNullOrEmpty(options.BearerToken))
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", options.BearerToken);
            }
        });
        return new KronWorkerBuilder(services, http);
    }
}
