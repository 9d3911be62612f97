using System.Reflection;
using System.Xml.Linq;
using Kron.Client;
using Kron.Protocol;
using Kron.Worker.Testing;

namespace Kron.Worker.Tests;

/// <summary>
/// The SDK's reference graph (HOUSE_STYLE §1): the worker packages depend on the wire contract and the client only,
/// never on the engine, storage, server, core or a database client, in their project files and in what they compile to.
/// </summary>
public sealed class ArchitectureTests
{
    public static TheoryData<string, string[]> AllowedKronReferences => new()
    {
        { "Kron.Protocol", [] },
        { "Kron.Client", ["Kron.Protocol"] },
        { "Kron.Worker", ["Kron.Protocol", "Kron.Client"] },
        { "Kron.Worker.Testing", ["Kron.Protocol", "Kron.Client", "Kron.Worker"] },
    };

    private static readonly Dictionary<string, Assembly> Assemblies = new[]
    {
        typeof(ProtocolJson).Assembly,
        typeof(KronClient).Assembly,
        typeof(IJobHandler).Assembly,
        typeof(KronAssert).Assembly,
    }.ToDictionary(a => a.GetName().Name!);

    [Theory]
    [MemberData(nameof(AllowedKronReferences))]
    public void Assembly_References_OnlyTheAllowedKronAssemblies(string assembly, string[] allowed)
    {
        var references = Assemblies[assembly].GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.Empty(references.Where(r => r.StartsWith("Kron.", StringComparison.Ordinal)).Except(allowed));
        Assert.DoesNotContain(references, r => r.StartsWith("Npgsql", StringComparison.Ordinal) || r.Contains("Sqlite", StringComparison.OrdinalIgnoreCase) || r.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(AllowedKronReferences))]
    public void ProjectFile_References_OnlyTheAllowedProjectsAndNoFrameworkBeyondTheBcl(string project, string[] allowed)
    {
        var file = XDocument.Load(Path.Combine(RepositoryRoot(), "src", project, project + ".csproj"));

        var projects = file.Descendants("ProjectReference").Select(e => Path.GetFileNameWithoutExtension(((string)e.Attribute("Include")!).Replace('\\', '/'))).ToList();

        Assert.Empty(projects.Except(allowed));
        Assert.Empty(file.Descendants("FrameworkReference"));
    }

    // From this source file, not the output folder: the tests may be built into an artifacts path anywhere.
    private static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string sourceFile = "")
    {
        for (var directory = new DirectoryInfo(Path.GetDirectoryName(sourceFile)!); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Kron.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"no Kron.slnx above {sourceFile}");
    }
}
