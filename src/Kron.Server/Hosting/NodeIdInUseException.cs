namespace Kron.Server.Hosting;

/// <summary>Another live process is a cluster node with the same node id.</summary>
public sealed class NodeIdInUseException : Exception
{
    public NodeIdInUseException()
    {
    }

    public NodeIdInUseException(string message)
        : base(message)
    {
    }

    public NodeIdInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    internal static NodeIdInUseException For(string nodeId, string address, DateTimeOffset heartbeatAt) =>
        new($"node id \"{nodeId}\" is in use by a live node at {(address.Length == 0 ? "an unknown address" : address)} " +
            $"(last heartbeat {heartbeatAt:O}); give each node its own --node-id (or KRON_NODE_ID)");
}
