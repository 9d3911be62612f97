namespace Kron.Engine;

/// <summary>The identity of this node and where it keeps local files.</summary>
public sealed class NodeOptions
{
    /// <summary>Unique among the nodes sharing a database; defaults to the host name.</summary>
    public string NodeId { get; set; } = Environment.MachineName;

    /// <summary>Where the node's API is reached, as shown in the cluster view.</summary>
    public string Address { get; set; } = string.Empty;

    /// <summary>The data directory; shell commands run here unless a job says otherwise.</summary>
    public string DataDirectory { get; set; } = "data";
}
