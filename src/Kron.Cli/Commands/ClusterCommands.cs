using System.CommandLine;
using Kron.Cli.Output;

namespace Kron.Cli.Commands;

/// <summary><c>kron cluster status</c>: the nodes and who owns which shards.</summary>
internal static class ClusterCommands
{
    public static Command Build(CliConsole console)
    {
        var cluster = new Command(
            "cluster",
            $"Look at the cluster behind a Kron server (--url, else ${ClientCommand.UrlVariable}, else {ClientCommand.DefaultUrl}).\n" + ClientCommand.ExitCodesHelp);
        var status = new Command(
            "status",
            "Show the nodes (alive or not, heartbeat, shards held) and the shard map as ranges of consecutive shards per owner, with their epochs.");
        cluster.Add(ClientCommand.Bind(
            status,
            console,
            async (parseResult, context, cancellationToken) =>
                context.Print(await context.Client.GetClusterAsync(cancellationToken).ConfigureAwait(false), ClusterTable.Write)));
        return cluster;
    }
}
