namespace Kron.Storage;

/// <summary>The database's schema is newer than this binary: an older Kron must not write to it.</summary>
public sealed class SchemaTooNewException : InvalidOperationException
{
    public SchemaTooNewException()
    {
    }

    public SchemaTooNewException(string message)
        : base(message)
    {
    }

    public SchemaTooNewException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SchemaTooNewException(int databaseVersion, int binaryVersion)
        : base($"The database schema is version {databaseVersion}, newer than this Kron binary understands (version {binaryVersion}). " +
            "Upgrade Kron to the version that migrated the database; nothing was changed.")
    {
        DatabaseVersion = databaseVersion;
        BinaryVersion = binaryVersion;
    }

    public int DatabaseVersion { get; }

    public int BinaryVersion { get; }
}
