using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Server.Metrics;

/// <summary><c>/metrics</c>: the node's instruments in the Prometheus text format (docs/metrics.md lists them).</summary>
internal static class MetricsEndpoints
{
    /// <summary>The text exposition format's content type.</summary>
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static IServiceCollection AddKronMetricsExporter(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<PrometheusExporter>();
        return services;
    }

    /// <summary>
    /// Maps <c>GET /metrics</c>, outside <c>/v1</c> and open to scrapers without the API's token, and out of the
    /// OpenAPI document (it is not part of the API).
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        // Created now, before the host starts, so that no measurement of the first runs is missed.
        var exporter = app.Services.GetRequiredService<PrometheusExporter>();
        app.MapGet("/metrics", () => Results.Text(exporter.Scrape(), ContentType))
            .AllowAnonymous()
            .ExcludeFromDescription();
        return app;
    }
}
