using System.Collections.Frozen;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;

namespace Kron.Server.Dashboard;

/// <summary>
/// The dashboard's files, read once from the resources embedded under <see cref="ResourcePrefix"/> (the csproj embeds
/// <c>Dashboard/wwwroot/**</c> with that logical name), each with its content type and a content-hash ETag.
/// </summary>
internal sealed class DashboardFiles
{
    public const string ResourcePrefix = "kron-dashboard/";
    public const string IndexPath = "index.html";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".png"] = "image/png",
        [".json"] = "application/json",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    private readonly FrozenDictionary<string, DashboardFile> _files;

    private DashboardFiles(FrozenDictionary<string, DashboardFile> files) => _files = files;

    /// <summary>Reads every embedded dashboard file of this assembly.</summary>
    public static DashboardFiles Load()
    {
        var assembly = typeof(DashboardFiles).Assembly;
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (!name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            // RecursiveDir uses the build machine's separator.
            var path = name[ResourcePrefix.Length..].Replace('\\', '/');
            files[path] = Read(assembly, name, path);
        }

        return new DashboardFiles(files.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public bool TryGet(string path, out DashboardFile file) => _files.TryGetValue(path, out file!);

    private static DashboardFile Read(Assembly assembly, string resource, string path)
    {
        using var stream = assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"embedded resource {resource} disappeared");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        var content = memory.ToArray();
        var hash = Convert.ToHexStringLower(SHA256.HashData(content).AsSpan(0, 12));
        var type = ContentTypes.GetValueOrDefault(Path.GetExtension(path), "application/octet-stream");
        return new DashboardFile(content, type, string.Create(CultureInfo.InvariantCulture, $"\"{hash}\""));
    }
}

/// <summary>One embedded file: its bytes, content type and strong ETag.</summary>
internal sealed record DashboardFile(byte[] Content, string ContentType, string ETag);
