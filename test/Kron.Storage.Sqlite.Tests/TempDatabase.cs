namespace Kron.Storage.Sqlite.Tests;

/// <summary>A database file in a fresh temporary folder, deleted with everything in it on dispose.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Folder = Path.Combine(Path.GetTempPath(), "kron-sqlite-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
    }

    public string Folder { get; }

    public string FilePath => Path.Combine(Folder, "kron.db");

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}
