using System.CommandLine;
using Kron.Server.Hosting;
using Kron.Storage;
using Microsoft.Extensions.Hosting;

namespace Kron.Cli.Commands;

/// <summary><c>kron serve</c>: run a node on an embedded SQLite file until stopped (Ctrl+C or SIGTERM).</summary>
internal static class ServeCommand
{
    public static Command Build(CliConsole console)
    {
        var data = new Option<string?>("--data") { Description = $"Data directory holding the SQLite file (env KRON_DATA; default {ServerSettings.DefaultDataDirectory})." };
        var listen = new Option<string?>("--listen") { Description = $"URL to listen on (env KRON_LISTEN; default {ServerSettings.DefaultListenUrl}; port 0 picks a free port)." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's name (env KRON_NODE_ID; default the host name)." };
        var serve = new Command("serve", "Run a Kron node: REST API and scheduler on an embedded SQLite file.") { data, listen, nodeId };
        serve.SetAction((parseResult, cancellationToken) => RunAsync(
            console,
            new ServerSettings
            {
                DataDirectory = parseResult.GetValue(data) ?? Env("KRON_DATA") ?? ServerSettings.DefaultDataDirectory,
                ListenUrl = parseResult.GetValue(listen) ?? Env("KRON_LISTEN") ?? ServerSettings.DefaultListenUrl,
                NodeId = parseResult.GetValue(nodeId) ?? Env("KRON_NODE_ID") ?? Environment.MachineName,
            },
            cancellationToken));
        return serve;
    }

    private static async Task<int> RunAsync(CliConsole console, ServerSettings settings, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(settings.ListenUrl, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            await console.Error.WriteLineAsync($"kron: --listen must be an http:// or https:// URL such as {ServerSettings.DefaultListenUrl}, not \"{settings.ListenUrl}\"").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }

        KronNode node;
        try
        {
            node = await KronNode.StartAsync(settings, null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is DataDirectoryLockedException or SchemaTooNewException)
        {
            await console.Error.WriteLineAsync($"kron: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"kron: cannot start: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (node.ConfigureAwait(false))
        {
            await console.Out.WriteLineAsync($"Kron node {settings.NodeId} listening on {string.Join(", ", node.Addresses)}").ConfigureAwait(false);
            await console.Out.WriteLineAsync($"Data: {settings.DatabasePath}").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await node.App.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
