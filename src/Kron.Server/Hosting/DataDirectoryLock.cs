namespace Kron.Server.Hosting;

/// <summary>
/// An exclusive lock on a data directory (<c>kron.lock</c>, an flock held for the life of the process), so that a
/// second <c>kron serve</c> on the same directory is refused before it touches the database.
/// </summary>
public sealed class DataDirectoryLock : IDisposable
{
    public const string FileName = "kron.lock";

    private readonly FileStream _stream;

    private DataDirectoryLock(FileStream stream, string path)
    {
        _stream = stream;
        Path = path;
    }

    /// <summary>The lock file.</summary>
    public string Path { get; }

    /// <summary>Creates the directory if needed and takes the lock, or says who holds it.</summary>
    /// <exception cref="DataDirectoryLockedException">Another process holds the lock.</exception>
    public static DataDirectoryLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), FileName);
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix; it is released when the process dies,
            // however it dies, so a kill -9 never leaves a stale lock behind.
            var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            File.WriteAllText(PidPath(path), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return new DataDirectoryLock(stream, path);
        }
        catch (IOException e)
        {
            var holder = TryReadHolder(path);
            throw new DataDirectoryLockedException(
                $"The data directory {System.IO.Path.GetDirectoryName(path)} is in use by another Kron process{(holder is null ? "" : $" (pid {holder})")}. " +
                "Stop it first, or give this node its own directory with --data. Nothing was changed.", e);
        }
    }

    public void Dispose() => _stream.Dispose();

    /// <summary>The holder's pid, for the message a second process prints (the lock file itself cannot be read then).</summary>
    private static string PidPath(string lockPath) => System.IO.Path.ChangeExtension(lockPath, ".pid");

    private static string? TryReadHolder(string path)
    {
        try
        {
            var text = File.ReadAllText(PidPath(path)).Trim();
            return text.Length == 0 ? null : text;
        }
        catch (IOException)
        {
            return null;
        }
    }
}

/// <summary>Another process holds the data directory.</summary>
public sealed class DataDirectoryLockedException : IOException
{
    public DataDirectoryLockedException()
    {
    }

    public DataDirectoryLockedException(string message)
        : base(message)
    {
    }

    public DataDirectoryLockedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
