using System.CommandLine;
using Kron.Server.Hosting;
using Kron.Storage;
using Microsoft.Extensions.Hosting;

namespace Kron.Cli.Commands;

/// <summary><c>kron serve</c>: run a node (embedded SQLite, or a PostgreSQL cluster node) until stopped (Ctrl+C or SIGTERM).</summary>
internal static class ServeCommand
{
    public static Command Build(CliConsole console)
    {
        var data = new Option<string?>("--data") { Description = $"Data directory holding the SQLite file (env KRON_DATA; default {ServerSettings.DefaultDataDirectory})." };
        var listen = new Option<string?>("--listen") { Description = $"URL to listen on (env KRON_LISTEN; default {ServerSettings.DefaultListenUrl}; port 0 picks a free port)." };
        var nodeId = new Option<string?>("--node-id") { Description = "This node's name (env KRON_NODE_ID; default the host name)." };
        var store = new Option<string?>("--store")
        {
            Description = "Join a cluster on this PostgreSQL database instead of the embedded SQLite file (env KRON_STORE): " +
                "Npgsql keywords (\"Host=db1,db2;Database=kron;Username=kron;Target Session Attributes=primary\") or a postgres:// URI.",
            HelpName = "CONNECTION",
        };
        var serve = new Command("serve", "Run a Kron node: REST API and scheduler, on an embedded SQLite file or, with --store, as one node of a PostgreSQL cluster.")
        {
            data, listen, nodeId, store,
        };
        serve.SetAction((parseResult, cancellationToken) => RunAsync(
            console,
            new ServerSettings
            {
                DataDirectory = parseResult.GetValue(data) ?? Env("KRON_DATA") ?? ServerSettings.DefaultDataDirectory,
                ListenUrl = parseResult.GetValue(listen) ?? Env("KRON_LISTEN") ?? ServerSettings.DefaultListenUrl,
                NodeId = parseResult.GetValue(nodeId) ?? Env("KRON_NODE_ID") ?? Environment.MachineName,
                Store = parseResult.GetValue(store) ?? Env("KRON_STORE"),
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
        catch (Exception e) when (e is DataDirectoryLockedException or SchemaTooNewException or NodeIdInUseException)
        {
            await console.Error.WriteLineAsync($"kron: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException e)
        {
            // A setting from the environment or configuration is out of range: say which and why, without a stack trace.
            await console.Error.WriteLineAsync($"kron: invalid setting: {string.Join("; ", e.Failures)}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        catch (IOException e)
        {
            await console.Error.WriteLineAsync($"kron: cannot start: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (ArgumentException e) when (settings.IsCluster)
        {
            await console.Error.WriteLineAsync($"kron: --store is not a usable PostgreSQL connection string: {e.Message}").ConfigureAwait(false);
            return ExitCodes.InvalidInput;
        }
        catch (Npgsql.NpgsqlException e)
        {
            await console.Error.WriteLineAsync($"kron: cannot use the PostgreSQL store: {e.Message} (check that the server runs, and the host, port, database, user and password in --store)").ConfigureAwait(false);
            return ExitCodes.Failure;
        }

        await using (node.ConfigureAwait(false))
        {
            await console.Out.WriteLineAsync($"Kron node {settings.NodeId} listening on {string.Join(", ", node.Addresses)}").ConfigureAwait(false);
            await console.Out.WriteLineAsync(settings.IsCluster ? "Store: PostgreSQL (cluster mode)" : $"Data: {settings.DatabasePath}").ConfigureAwait(false);
            await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            await node.App.WaitForShutdownAsync(cancellationToken).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : null;
}
