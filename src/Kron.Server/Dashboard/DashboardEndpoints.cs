using Microsoft.AspNetCore.Builder;

namespace Kron.Server.Dashboard;

/// <summary>The dashboard: a static single-page app embedded in the assembly and served by every node at <c>/</c>.</summary>
internal static class DashboardEndpoints
{
    public static WebApplication MapDashboard(this WebApplication app) => app;
}
