using System.CommandLine;
using System.Net;
using System.Text.Json;
using Kron.Cli.Output;
using Kron.Client;

namespace Kron.Cli.Commands;

/// <summary>
/// What every command that talks to a server shares: <c>--url</c> (else <c>KRON_URL</c>, else the local default),
/// a bearer token from <c>KRON_TOKEN</c>, <c>--json</c>, and one mapping from failures to a one-line error and an exit
/// code: 2 when the input was refused (bad flags, 4xx validation and conflicts), 1 when something failed (not found,
/// not authorized, server error, server not reachable).
/// </summary>
internal static class ClientCommand
{
    public const string DefaultUrl = "http://127.0.0.1:7070";
    public const string UrlVariable = "KRON_URL";
    public const string TokenVariable = "KRON_TOKEN";

    public const string ExitCodesHelp =
        "Exit codes: 0 success; 1 failure (not found, not authorized, server error or not reachable); " +
        "2 invalid input (bad flags, or the server refused the request as invalid or conflicting).";

    /// <summary>
    /// Adds <c>--url</c> and <c>--json</c> to <paramref name="command"/> and runs <paramref name="action"/> with a client.
    /// <paramref name="notFound"/> gives the message for a 404, such as <c>job j1 not found</c>; the server's detail when it or its answer is null.
    /// </summary>
    public static Command Bind(Command command, CliConsole console, ClientAction action, Func<ParseResult, string?>? notFound = null)
    {
        var url = new Option<string?>("--url")
        {
            Description = $"The server's base URL. Default: ${UrlVariable}, else {DefaultUrl}. A bearer token, if needed, comes from ${TokenVariable}.",
            HelpName = "URL",
        };
        var json = new Option<bool>("--json") { Description = "Print the API's JSON (snake_case) instead of a table, for scripts." };
        command.Add(url);
        command.Add(json);
        command.SetAction((parseResult, cancellationToken) => RunAsync(
            console,
            parseResult,
            parseResult.GetValue(url),
            parseResult.GetValue(json),
            action,
            notFound,
            cancellationToken));
        return command;
    }

    /// <summary>The server URL: the flag, else the environment variable, else <see cref="DefaultUrl"/>.</summary>
    public static string ResolveUrl(string? flag, string? environment) =>
        !string.IsNullOrWhiteSpace(flag) ? flag : !string.IsNullOrWhiteSpace(environment) ? environment : DefaultUrl;

    /// <summary>Exit code for an error answer: 2 when the request itself was refused, 1 when it could not be served.</summary>
    public static int ExitCodeFor(HttpStatusCode status) => (int)status switch
    {
        401 or 403 or 404 or 408 or 429 => ExitCodes.Failure,
        >= 400 and < 500 => ExitCodes.InvalidInput,
        _ => ExitCodes.Failure,
    };

    public static int Fail(CliConsole console, int exitCode, string message)
    {
        // One line, always: scripts read stderr line by line, and server details may contain newlines.
        console.Error.WriteLine("kron: " + string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return exitCode;
    }

    private static async Task<int> RunAsync(
        CliConsole console,
        ParseResult parseResult,
        string? urlFlag,
        bool json,
        ClientAction action,
        Func<ParseResult, string?>? notFound,
        CancellationToken cancellationToken)
    {
        var url = ResolveUrl(urlFlag, Environment.GetEnvironmentVariable(UrlVariable));
        try
        {
            if (!KronClient.TryParseBaseUrl(url, out _, out var urlError))
            {
                throw new InvalidInputException((string.IsNullOrWhiteSpace(urlFlag) ? UrlVariable : "--url") + ": " + urlError);
            }

            using var client = KronClient.Create(url, Environment.GetEnvironmentVariable(TokenVariable));
            return await action(parseResult, new ClientContext(client, console, json), cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidInputException e)
        {
            return Fail(console, ExitCodes.InvalidInput, e.Message);
        }
        catch (KronApiException e) when (e.StatusCode == HttpStatusCode.NotFound && notFound?.Invoke(parseResult) is { } message)
        {
            return Fail(console, ExitCodes.Failure, message);
        }
        catch (KronApiException e) when (e.StatusCode == HttpStatusCode.Unauthorized)
        {
            return Fail(console, ExitCodes.Failure, $"{e.Message}; set {TokenVariable} to a valid API token");
        }
        catch (KronApiException e)
        {
            return Fail(console, ExitCodeFor(e.StatusCode!.Value), e.Message);
        }
        catch (KronServerUnreachableException e)
        {
            return Fail(console, ExitCodes.Failure, e.Message);
        }
        catch (HttpRequestException e)
        {
            return Fail(console, ExitCodes.Failure, $"the request to the Kron server at {url} failed: {e.Message}");
        }
        catch (TaskCanceledException e) when (e.InnerException is TimeoutException)
        {
            return Fail(console, ExitCodes.Failure, $"the Kron server at {url} did not answer in time; check that it is running and not overloaded");
        }
        catch (JsonException e)
        {
            return Fail(console, ExitCodes.Failure, $"the answer from {url} is not Kron API JSON ({e.Message}); check that {url} is a Kron server");
        }
    }
}

/// <summary>The body of a client command: it gets the parsed flags and a <see cref="ClientContext"/>, and returns the exit code.</summary>
internal delegate Task<int> ClientAction(ParseResult parseResult, ClientContext context, CancellationToken cancellationToken);

/// <summary>A connected command's client and where and how it prints (<c>--json</c> or tables).</summary>
internal sealed record ClientContext(KronClient Client, CliConsole Console, bool Json)
{
    /// <summary>Prints <paramref name="value"/> as the API's JSON with <c>--json</c>, otherwise the way <paramref name="forPeople"/> writes it.</summary>
    public int Print<T>(T value, Action<TextWriter, T> forPeople)
    {
        if (Json)
        {
            JsonOutput.Write(Console.Out, value);
        }
        else
        {
            forPeople(Console.Out, value);
        }

        return ExitCodes.Ok;
    }
}
