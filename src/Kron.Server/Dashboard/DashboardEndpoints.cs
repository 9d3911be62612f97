using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Kron.Server.Dashboard;

/// <summary>
/// The dashboard: a static single-page app (plain ES modules, no build step) embedded in the assembly and served by
/// every node at <c>/</c>, its files under <c>/ui/</c>. It routes on the URL fragment (<c>/#/jobs/ID</c>), so no
/// server-side fallback is needed and nothing collides with <c>/v1</c>, <c>/metrics</c>, <c>/healthz</c> or
/// <c>/openapi</c>. It reads the REST API like any other client, with the API's authentication (docs/dashboard.md).
/// </summary>
internal static class DashboardEndpoints
{
    /// <summary>
    /// No inline script or style, nothing from another origin: what the page runs is exactly the embedded files. Frames
    /// are refused (clickjacking of the pause, trigger and retry buttons).
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var files = DashboardFiles.Load();
        app.MapGet("/", (HttpContext context) => Serve(context, files, DashboardFiles.IndexPath)).ExcludeFromDescription();
        app.MapMethods("/ui/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext context, string path) => Serve(context, files, path))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, DashboardFiles files, string path)
    {
        if (!files.TryGet(path, out var file))
        {
            return TypedResults.NotFound();
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        // Revalidate every time: file names carry no content hash, and a node upgrade must never mix old and new
        // modules. The ETag makes the revalidation a 304 without a body.
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(file.ETag))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(file.Content, file.ContentType);
    }
}
