using System.Globalization;

namespace Kron.Storage.Postgres;

/// <summary>
/// The text of a hint notification, as the SQL writes it: <c>job_changed:&lt;shard&gt;</c> or
/// <c>run_ready:&lt;shard&gt;</c> on the channel <c>kron_hints</c>.
/// </summary>
internal static class HintPayload
{
    /// <summary>Reads a payload; false for one this binary does not know (sent by a newer Kron), which is ignored.</summary>
    public static bool TryParse(string payload, out StorageHint hint)
    {
        hint = default;
        var colon = payload.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0 || !int.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var shard))
        {
            return false;
        }

        StorageHintKind? kind = payload.AsSpan(0, colon) switch
        {
            "job_changed" => StorageHintKind.JobChanged,
            "run_ready" => StorageHintKind.RunReady,
            _ => null,
        };
        if (kind is null)
        {
            return false;
        }

        hint = new StorageHint(kind.Value, shard);
        return true;
    }
}
