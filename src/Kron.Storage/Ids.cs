using System.Globalization;
using System.Security.Cryptography;

namespace Kron.Storage;

/// <summary>
/// Identifiers: 32 lower-case hex digits, time-ordered like a version-7 UUID: 48 bits of Unix milliseconds, a 16-bit
/// sequence that orders ids made in the same millisecond by this process, then 64 random bits that keep ids from
/// different nodes apart. Lists are newest first by id, so ids from one process must sort in creation order, which
/// <see cref="Guid.CreateVersion7()"/> does not promise within a millisecond.
/// </summary>
public static class Ids
{
    public const int DefaultShardCount = 256;

    private static readonly Lock Gate = new();
    private static long _lastMilliseconds;
    private static int _sequence;

    public static string New(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        var milliseconds = time.GetUtcNow().ToUnixTimeMilliseconds();
        int sequence;
        lock (Gate)
        {
            // Never go backwards, even when the clock does; a full sequence borrows the next millisecond.
            if (milliseconds > _lastMilliseconds)
            {
                _lastMilliseconds = milliseconds;
                _sequence = 0;
            }
            else if (++_sequence > 0xFFFF)
            {
                _lastMilliseconds++;
                _sequence = 0;
            }

            milliseconds = _lastMilliseconds;
            sequence = _sequence;
        }

        Span<byte> random = stackalloc byte[8];
        RandomNumberGenerator.Fill(random);
        Span<char> id = stackalloc char[32];
        (milliseconds & 0xFFFF_FFFF_FFFF).TryFormat(id[..12], out _, "x12", CultureInfo.InvariantCulture);
        sequence.TryFormat(id[12..16], out _, "x4", CultureInfo.InvariantCulture);
        Convert.TryToHexStringLower(random, id[16..], out _);
        return new string(id);
    }

    /// <summary>The shard of a job: a stable hash (FNV-1a) of its id modulo the shard count.</summary>
    public static int ShardOf(string id, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(id);
        uint hash = 2166136261;
        foreach (var c in id)
        {
            hash = (hash ^ c) * 16777619;
        }

        return (int)(hash % (uint)shardCount);
    }
}

/// <summary>
/// Lease tokens: 32 lower-case hex digits from 16 random bytes, the format the drivers mint when they claim a run. A node
/// that inserts a run already leased to itself (fire-and-claim) mints one here.
/// </summary>
public static class LeaseTokens
{
    public static string New()
    {
        Span<byte> random = stackalloc byte[16];
        RandomNumberGenerator.Fill(random);
        return Convert.ToHexStringLower(random);
    }
}
