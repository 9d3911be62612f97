using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Kron.Server.Tests;

/// <summary>The API's bearer tokens (<c>Kron:Auth:Tokens</c>): off by default, every /v1 call needs one when set.</summary>
public sealed class AuthTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task NoTokensConfigured_ApiIsOpen()
    {
        await using var node = await TestNode.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/v1/jobs")).Status);
    }

    [Fact]
    public async Task TokensConfigured_RequestWithoutToken_Is401WithAChallengeAndAProblem()
    {
        await using var node = await StartWithTokenAsync();

        using var response = await node.Client.GetAsync(new Uri("/v1/jobs", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        var problem = new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), null)
            .Problem(HttpStatusCode.Unauthorized);
        Assert.Contains("Authorization: Bearer", (string?)problem["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensConfigured_WrongToken_Is401SayingTheTokenIsNotKnown()
    {
        await using var node = await StartWithTokenAsync();

        var response = await SendAsync(node, "/v1/jobs", "not-the-token-at-all-0000");

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Contains("not one of this server's API tokens", (string?)response.Object["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TokensConfigured_RightToken_Passes_AndHealthStaysOpen()
    {
        await using var node = await StartWithTokenAsync();

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(node, "/v1/jobs", Token)).Status);
        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/healthz")).Status);
        Assert.Equal(HttpStatusCode.OK, (await node.GetAsync("/readyz")).Status);
    }

    [Fact]
    public async Task ShortToken_NodeRefusesToStart_NamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestNode.StartAsync(configure: b => b.Configuration["Kron:Auth:Tokens:0"] = "short"));

        Assert.Contains("Kron:Auth:Tokens:0 must be at least 16 characters", error.Message, StringComparison.Ordinal);
    }

    private static Task<TestNode> StartWithTokenAsync() =>
        TestNode.StartAsync(configure: b => b.Configuration["Kron:Auth:Tokens:0"] = Token);

    private static async Task<ApiResponse> SendAsync(TestNode node, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await node.Client.SendAsync(request);
        return new ApiResponse(response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync(), null);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0", null, true)]
    [InlineData("http://127.0.0.1:0", null, false)]
    [InlineData("http://0.0.0.0:0", Token, false)]
    public async Task Start_ListeningBeyondLoopbackWithoutTokens_WarnsOnce(string listen, string? token, bool warns)
    {
        var logs = new CapturingLoggerProvider();
        var directory = Path.Combine(Path.GetTempPath(), "kron-server-tests", Guid.NewGuid().ToString("N"));
        var settings = new Kron.Server.Hosting.ServerSettings { DataDirectory = directory, ListenUrl = listen, NodeId = "open" };
        try
        {
            await using var node = await Kron.Server.Hosting.KronNode.StartAsync(
                settings,
                b =>
                {
                    b.Logging.ClearProviders();
                    b.Logging.AddProvider(logs);
                    if (token is not null)
                    {
                        b.Configuration["Kron:Auth:Tokens:0"] = token;
                    }
                },
                CancellationToken.None);

            Assert.Equal(warns ? 1 : 0, logs.Lines.Count(l => l.EventId == 1900 && l.Level == LogLevel.Warning));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
