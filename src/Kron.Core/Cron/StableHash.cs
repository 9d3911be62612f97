using System.Text;

namespace Kron.Core.Cron;

/// <summary>
/// FNV-1a, 64 bits: a hash that is the same in every process and version, unlike <see cref="string.GetHashCode()"/>.
/// Hand-written because it is eight lines; it only spreads <c>H</c> values, it is not a security boundary.
/// </summary>
internal static class StableHash
{
    public static ulong Of(string seed, int field, int index)
    {
        var hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes($"{seed}\n{field}\n{index}"))
        {
            hash = (hash ^ b) * 1099511628211UL;
        }

        return hash;
    }
}
