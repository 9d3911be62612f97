namespace Kron.Server.Hosting;

/// <summary>A Kestrel listen address read as a URI: its wildcard hosts <c>+</c> and <c>*</c> read as <c>0.0.0.0</c>.</summary>
internal static class ListenAddress
{
    /// <summary>The address as a URI, or null when it is not one.</summary>
    public static Uri? Parse(string address) =>
        Uri.TryCreate(
            address.Replace("://+", "://0.0.0.0", StringComparison.Ordinal).Replace("://*", "://0.0.0.0", StringComparison.Ordinal),
            UriKind.Absolute,
            out var uri)
            ? uri
            : null;

    /// <summary>True for a host that means every interface (<c>0.0.0.0</c>, <c>[::]</c>).</summary>
    public static bool IsWildcard(Uri uri) => uri.Host is "0.0.0.0" or "[::]" or "::";
}
