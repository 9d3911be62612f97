using System.Diagnostics.CodeAnalysis;
using Kron.Core.Model;

namespace Kron.Storage.Sql;

/// <summary>
/// Enums stored as their snake_case wire names (<see cref="WireNames"/>), with the lookups cached: both drivers store
/// every enum column as text with these names.
/// </summary>
/// <remarks>Driver support, not a stable API (KRON0001).</remarks>
[Experimental("KRON0001")]
public static class WireEnums
{
    /// <summary>The wire name of a defined value.</summary>
    public static string Name<TEnum>(TEnum value)
        where TEnum : struct, Enum =>
        Cache<TEnum>.Names.TryGetValue(value, out var name)
            ? name
            : throw new ArgumentOutOfRangeException(nameof(value), value, $"Not a defined {typeof(TEnum).Name}.");

    /// <summary>The value of a wire name read from <paramref name="column"/>.</summary>
    /// <exception cref="InvalidDataException">The column holds a name this binary does not know.</exception>
    public static TEnum Parse<TEnum>(string text, string column)
        where TEnum : struct, Enum =>
        Cache<TEnum>.Values.TryGetValue(text, out var value)
            ? value
            : throw new InvalidDataException($"Column {column} holds '{text}', which is not one of: {WireNames.List<TEnum>()}.");

    private static class Cache<TEnum>
        where TEnum : struct, Enum
    {
        public static readonly Dictionary<TEnum, string> Names =
            Enum.GetValues<TEnum>().ToDictionary(v => v, v => WireNames.Of(v));

        public static readonly Dictionary<string, TEnum> Values =
            Names.ToDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);
    }
}
