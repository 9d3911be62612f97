using System.Security.Cryptography;
using System.Text;
using Kron.Protocol;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Kron.Server.Hosting;

/// <summary>
/// Options of the API's bearer-token authentication (<c>Kron:Auth</c>). No tokens (the default): the API is open,
/// which is meant for a node listening on loopback. With tokens: every <c>/v1</c> request must carry
/// <c>Authorization: Bearer</c> one of them; <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and the dashboard's static
/// files stay open (the dashboard asks for a token and sends it on its API calls).
/// </summary>
public sealed class ApiAuthOptions
{
    /// <summary>The shortest token accepted: shorter ones are guessable.</summary>
    public const int MinTokenLength = 16;

    /// <summary>Tokens that grant access to the whole API (<c>Kron__Auth__Tokens__0</c>, <c>__1</c>… in the environment).</summary>
    public IList<string> Tokens { get; } = [];

    /// <summary>True when the API requires a token.</summary>
    public bool Enabled => Tokens.Count > 0;
}

/// <summary>Validates <see cref="ApiAuthOptions"/> at start.</summary>
public sealed class ApiAuthOptionsValidator : IValidateOptions<ApiAuthOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, ApiAuthOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var token = options.Tokens[i];
            if (string.IsNullOrWhiteSpace(token) || token.Length < ApiAuthOptions.MinTokenLength || token.Any(char.IsWhiteSpace))
            {
                return ValidateOptionsResult.Fail(
                    $"Kron:Auth:Tokens:{i} must be at least {ApiAuthOptions.MinTokenLength} characters without spaces (it has {token?.Length ?? 0}); generate one with: openssl rand -hex 32");
            }
        }

        return ValidateOptionsResult.Success;
    }
}

/// <summary>The middleware that enforces <see cref="ApiAuthOptions"/> on <c>/v1</c>.</summary>
internal static partial class ApiAuthentication
{
    public static IServiceCollection AddApiAuthentication(this IServiceCollection services, Microsoft.Extensions.Configuration.IConfiguration configuration)
    {
        services.AddOptions<ApiAuthOptions>().Bind(configuration.GetSection("Kron:Auth")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiAuthOptions>, ApiAuthOptionsValidator>();
        return services;
    }

    public static WebApplication UseApiAuthentication(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<ApiAuthOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        var tokens = options.Tokens.Select(t => Encoding.UTF8.GetBytes(t)).ToList();
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments("/v1", StringComparison.Ordinal) || IsAuthorized(context.Request, tokens))
            {
                await next(context);
                return;
            }

            var hasHeader = context.Request.Headers.Authorization.Count > 0;
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers[HeaderNames.WWWAuthenticate] = hasHeader ? "Bearer realm=\"kron\", error=\"invalid_token\"" : "Bearer realm=\"kron\"";
            var problem = new ProblemResponse
            {
                Type = "https://tools.ietf.org/html/rfc9110#section-15.5.2",
                Title = "Unauthorized",
                Status = StatusCodes.Status401Unauthorized,
                Detail = hasHeader
                    ? "the bearer token is not one of this server's API tokens (Kron:Auth:Tokens); check KRON_TOKEN"
                    : "this server requires an API token: send Authorization: Bearer <token> (the CLI reads KRON_TOKEN)",
            };
            await context.Response.WriteAsJsonAsync(problem, ProtocolJsonContext.Default.ProblemResponse, "application/problem+json", context.RequestAborted);
        });
        return app;
    }

    /// <summary>Warns at start when the API is open to the network: no tokens and an address other than loopback.</summary>
    public static void WarnWhenOpen(WebApplication app, IEnumerable<string> addresses)
    {
        if (app.Services.GetRequiredService<IOptions<ApiAuthOptions>>().Value.Enabled)
        {
            return;
        }

        foreach (var address in addresses)
        {
            if (ListenAddress.Parse(address) is { IsLoopback: false })
            {
                LogOpenApi(app.Logger, address);
                return;
            }
        }
    }

    private static bool IsAuthorized(HttpRequest request, List<byte[]> tokens)
    {
        var header = request.Headers.Authorization.ToString();
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(header[scheme.Length..].Trim());
        var match = false;
        foreach (var token in tokens)
        {
            // Constant time per token, and every token is compared: the timing says nothing about which one is close.
            match |= CryptographicOperations.FixedTimeEquals(presented, token);
        }

        return match;
    }

    [LoggerMessage(EventId = 1900, Level = LogLevel.Warning, Message = "The API listens on {Address} without authentication: anyone who reaches it can change jobs. Set Kron__Auth__Tokens__0 (see docs/dashboard.md), or listen on 127.0.0.1")]
    private static partial void LogOpenApi(ILogger logger, string address);
}
