using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Server.Metrics;

/// <summary><c>/metrics</c>: the node's instruments in the Prometheus text format.</summary>
internal static class MetricsEndpoints
{
    public static IServiceCollection AddKronMetricsExporter(this IServiceCollection services) => services;

    public static WebApplication MapMetrics(this WebApplication app) => app;
}
