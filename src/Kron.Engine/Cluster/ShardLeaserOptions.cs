using Microsoft.Extensions.Options;

namespace Kron.Engine.Cluster;

/// <summary>Options of <see cref="ShardLeaser"/>, bound from <c>Kron:Cluster</c>.</summary>
public sealed class ShardLeaserOptions
{
    public static readonly TimeSpan DefaultLeaseTtl = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan DefaultHeartbeatInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan DefaultForgetNodesAfter = TimeSpan.FromHours(1);

    /// <summary>
    /// How long a shard lease lasts without renewal (database clock). A crashed node's shards are taken over at most
    /// this long plus one heartbeat after its last heartbeat: 5 s with the defaults.
    /// </summary>
    public TimeSpan LeaseTtl { get; set; } = DefaultLeaseTtl;

    /// <summary>How often the node heartbeats, renews its leases and rebalances. At most a third of the TTL.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;

    /// <summary>A node silent this long is removed from the cluster view.</summary>
    public TimeSpan ForgetNodesAfter { get; set; } = DefaultForgetNodesAfter;

    /// <summary>
    /// After a failed heartbeat, how long the node only takes back its own and released shards: three heartbeats, time
    /// for every live node to re-acquire its own after a database outage.
    /// </summary>
    public TimeSpan ReconnectGrace => HeartbeatInterval * 3;

    /// <summary>
    /// How much earlier than the database's expiry the node stops acting on a shard it could not renew: a fifth of
    /// the TTL. Covers clock-rate differences between the node and the database.
    /// </summary>
    public TimeSpan SelfFenceMargin => LeaseTtl / 5;
}

/// <summary>Validates <see cref="ShardLeaserOptions"/> at start.</summary>
public sealed class ShardLeaserOptionsValidator : IValidateOptions<ShardLeaserOptions>
{
    public ValidateOptionsResult Validate(string? name, ShardLeaserOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.LeaseTtl < TimeSpan.FromSeconds(1) || options.LeaseTtl > TimeSpan.FromMinutes(5))
        {
            return ValidateOptionsResult.Fail($"Kron:Cluster:LeaseTtl must be between 1 second and 5 minutes, not {options.LeaseTtl}.");
        }

        if (options.HeartbeatInterval < TimeSpan.FromMilliseconds(50) || options.HeartbeatInterval > options.LeaseTtl / 3)
        {
            return ValidateOptionsResult.Fail(
                $"Kron:Cluster:HeartbeatInterval must be at least 50 ms and at most a third of LeaseTtl ({options.LeaseTtl / 3}), not {options.HeartbeatInterval}: a lease must survive two missed heartbeats.");
        }

        return options.ForgetNodesAfter < options.LeaseTtl
            ? ValidateOptionsResult.Fail($"Kron:Cluster:ForgetNodesAfter must be at least LeaseTtl ({options.LeaseTtl}), not {options.ForgetNodesAfter}.")
            : ValidateOptionsResult.Success;
    }
}
