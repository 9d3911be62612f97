using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Kron.Testing;

/// <summary>
/// A throwaway PostgreSQL server for tests: its own data directory, initialised with <c>initdb</c> and run with
/// <c>pg_ctl</c> from the newest <c>/usr/lib/postgresql/*/bin</c>, listening on a free TCP port on 127.0.0.1 only (its
/// Unix socket stays in its own directory), with trust authentication for the <c>postgres</c> superuser.
/// </summary>
/// <remarks>
/// <para>
/// PostgreSQL refuses to run as root, so when the tests run as root the server's files belong to the <c>postgres</c>
/// user and its commands run through <c>runuser -u postgres --</c>; as any other user they run as that user. The
/// directory is created under <c>$KRON_TEST_PG_ROOT</c> when set (scripts/test.sh sets it, and on exit stops what
/// still runs there and removes it), else under the system's temporary folder. Either way a detached reaper stops the
/// server and removes its directory once the test process has gone, even if it was killed.
/// </para>
/// <para>
/// Durability is traded for speed, since the data is thrown away: <c>fsync</c>, <c>synchronous_commit</c> and
/// <c>full_page_writes</c> are off, and the WAL is kept small. A stop with <see cref="StopAsync"/> then
/// <see cref="StartAsync"/> keeps the port and the data; tests that restart the server under load use their own
/// instance, not <see cref="SharedAsync"/>. Databases are created and dropped with <c>psql</c>, so this class needs no
/// database client library.
/// </para>
/// </remarks>
public sealed class PostgresServer : IAsyncDisposable
{
    private const string Superuser = "postgres";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartSharedAsync);

    private readonly string _binDirectory;
    private readonly string _directory;
    private readonly bool _asPostgresUser;
    private int _databases;
    private int _disposed;

    private PostgresServer(string binDirectory, string directory, int port, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    /// <summary>The TCP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The server's data directory.</summary>
    public string DataDirectory => Path.Combine(_directory, "data");

    /// <summary>The server's log file: read it when a test cannot connect.</summary>
    public string LogFile => Path.Combine(_directory, "server.log");

    /// <summary>Npgsql keywords for the <c>postgres</c> database as the superuser.</summary>
    public string ConnectionString => ConnectionStringFor("postgres");

    /// <summary>
    /// The server of this test assembly, started on first use, stopped and removed once the process has exited.
    /// Never restart it: tests in other classes use it at the same time.
    /// </summary>
    public static Task<PostgresServer> SharedAsync() => Shared.Value;

    /// <summary>Npgsql keywords for <paramref name="database"/> as the superuser.</summary>
    public string ConnectionStringFor(string database) =>
        string.Create(CultureInfo.InvariantCulture, $"Host=127.0.0.1;Port={Port};Username={Superuser};Database={database}");

    /// <summary>Initialises a new data directory and starts a server on a free port.</summary>
    /// <exception cref="InvalidOperationException">No PostgreSQL server binaries are installed, or the server did not start.</exception>
    public static Task<PostgresServer> StartNewAsync() =>
        CreateAsync(server => server.RunToolAsync("initdb", ["-D", server.DataDirectory, "--auth=trust", "-U", Superuser, "--encoding=UTF8", "--no-locale", "--no-sync"]));

    /// <summary>
    /// Starts a hot standby of this server on a free port: a base backup streaming from it (<c>pg_basebackup -R</c>),
    /// read-only until <see cref="PromoteAsync"/>. Together they are a primary and its replica, as Patroni runs them.
    /// </summary>
    public Task<PostgresServer> StartStandbyAsync() =>
        CreateAsync(standby => standby.RunToolAsync(
            "pg_basebackup",
            ["-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", Superuser, "-D", standby.DataDirectory, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]));

    /// <summary>Promotes a standby to primary (a failover); returns when it accepts writes.</summary>
    public Task PromoteAsync() => RunToolAsync("pg_ctl", ["promote", "-D", DataDirectory, "-w", "-t", "60"]);

    /// <summary>A new directory, filled by <paramref name="makeDataDirectory"/>, then our settings, then started.</summary>
    private static async Task<PostgresServer> CreateAsync(Func<PostgresServer, Task> makeDataDirectory)
    {
        var bin = FindBinDirectory();
        var asPostgresUser = string.Equals(Environment.UserName, "root", StringComparison.Ordinal);
        var root = Environment.GetEnvironmentVariable("KRON_TEST_PG_ROOT") is { Length: > 0 } configured ? configured : Path.GetTempPath();
        var directory = Path.Combine(root, "kron-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(directory);
        var server = new PostgresServer(bin, directory, FreePort(), asPostgresUser);
        server.StartReaper();
        try
        {
            if (asPostgresUser)
            {
                // The postgres user must reach its directory: mktemp -d makes the root 0700.
                await RunAsync("chmod", ["o+x", root]).ConfigureAwait(false);
                await RunAsync("chown", ["postgres:postgres", directory]).ConfigureAwait(false);
            }

            await makeDataDirectory(server).ConfigureAwait(false);

            // Appended last, so they win over what a base backup copied from its primary.
            var settings = string.Join(
                '\n',
                "",
                "# Kron tests: loopback only, a socket in the test's own directory, durability off for speed.",
                $"port = {server.Port.ToString(CultureInfo.InvariantCulture)}",
                "listen_addresses = '127.0.0.1'",
                $"unix_socket_directories = '{directory}'",
                "max_connections = 200",
                "fsync = off",
                "synchronous_commit = off",
                "full_page_writes = off",
                "max_wal_size = 64MB",
                "min_wal_size = 32MB",
                "log_min_messages = warning",
                "");
            await File.AppendAllTextAsync(Path.Combine(server.DataDirectory, "postgresql.conf"), settings).ConfigureAwait(false);
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the stopped server on the same port and data directory; returns when it accepts connections.</summary>
    public Task StartAsync() =>
        RunToolAsync("pg_ctl", ["start", "-D", DataDirectory, "-l", LogFile, "-w", "-t", "60"]);

    /// <summary>Stops the server (fast shutdown: open sessions are disconnected); returns when it is down.</summary>
    public Task StopAsync() =>
        RunToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"]);

    /// <summary>Stops then starts the server on the same port and data directory.</summary>
    public async Task RestartAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await StartAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Creates a database with a new name, empty or as a copy of <paramref name="template"/> (see
    /// <see cref="CreateTemplateAsync"/>), and returns its name (<see cref="ConnectionStringFor"/> connects to it).
    /// </summary>
    public async Task<string> CreateDatabaseAsync(string? template = null)
    {
        var name = string.Create(CultureInfo.InvariantCulture, $"kron_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid().ToString("N")[..8]}");
        // FILE_COPY: a small template is copied as files, faster than writing all of it through the WAL.
        await ExecuteAsync(template is null ? $"CREATE DATABASE {name}" : $"CREATE DATABASE {name} TEMPLATE {Identifier(template)} STRATEGY FILE_COPY").ConfigureAwait(false);
        return name;
    }

    /// <summary>
    /// Creates a database named <paramref name="name"/>, lets <paramref name="prepare"/> fill it through its connection
    /// string (it must close every connection it opened), and marks it as a template for
    /// <see cref="CreateDatabaseAsync"/>.
    /// </summary>
    public async Task CreateTemplateAsync(string name, Func<string, Task> prepare)
    {
        ArgumentNullException.ThrowIfNull(prepare);
        await ExecuteAsync($"CREATE DATABASE {Identifier(name)}").ConfigureAwait(false);
        await prepare(ConnectionStringFor(name)).ConfigureAwait(false);
        await ExecuteAsync($"ALTER DATABASE {Identifier(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").ConfigureAwait(false);
    }

    /// <summary>Drops a database, disconnecting whoever is still connected to it.</summary>
    public Task DropDatabaseAsync(string name) => ExecuteAsync($"DROP DATABASE IF EXISTS {Identifier(name)} WITH (FORCE)");

    /// <summary>Runs SQL with <c>psql</c> as the superuser; returns what it printed (unaligned, tuples only).</summary>
    /// <exception cref="InvalidOperationException">psql failed; the message has its error output.</exception>
    public Task<string> ExecuteAsync(string sql, string database = "postgres") =>
        RunAsync(
            Path.Combine(_binDirectory, "psql"),
            ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-U", Superuser, "-d", database, "-c", sql]);

    /// <summary>Stops the server at once (<c>-m immediate</c>: the data is thrown away) and removes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
        {
            try
            {
                await RunToolAsync("pg_ctl", ["stop", "-D", DataDirectory, "-m", "immediate", "-w", "-t", "60"]).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Already stopped: nothing to do but remove the files.
            }
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file the server was still writing; the script's root folder is removed on exit anyway.
        }
    }

    /// <summary>A database name as a quoted SQL identifier.</summary>
    private static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static Task<PostgresServer> StartSharedAsync() => StartNewAsync();

    /// <summary>
    /// A detached shell that outlives this process: once the process is gone (finished, killed, crashed: the test host
    /// does not wait for exit handlers), it stops the server if it still runs and removes its directory. After a
    /// <see cref="DisposeAsync"/> it finds nothing left to do.
    /// </summary>
    private void StartReaper()
    {
        // The work runs in a background subshell of a shell that exits at once: orphaned, it is no longer in this
        // process's tree, which the test runner kills whole at the end of a run.
        const string Script = """
            exec </dev/null >/dev/null 2>&1
            (
              while kill -0 "$1"; do sleep 1; done
              if [ -f "$3/postmaster.pid" ]; then
                if [ "$5" = 1 ]; then runuser -u postgres -- "$2/pg_ctl" stop -D "$3" -m immediate -w -t 30
                else "$2/pg_ctl" stop -D "$3" -m immediate -w -t 30; fi
              fi
              rm -rf "$4"
            ) &
            """;
        var start = new ProcessStartInfo("setsid")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in new[] { "sh", "-c", Script, "kron-pg-reaper", Environment.ProcessId.ToString(CultureInfo.InvariantCulture), _binDirectory, DataDirectory, _directory, _asPostgresUser ? "1" : "0" })
        {
            start.ArgumentList.Add(argument);
        }

        using var reaper = Process.Start(start) ?? throw new InvalidOperationException("Could not start the cleanup of the test PostgreSQL server.");
        reaper.WaitForExit();
    }

    private static string FindBinDirectory()
    {
        const string Root = "/usr/lib/postgresql";
        var newest = Directory.Exists(Root)
            ? Directory.GetDirectories(Root)
                .Select(d => (Path: Path.Combine(d, "bin"), Major: int.TryParse(Path.GetFileName(d), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : -1))
                .Where(d => d.Major >= 0 && File.Exists(Path.Combine(d.Path, "initdb")))
                .OrderByDescending(d => d.Major)
                .Select(d => d.Path)
                .FirstOrDefault()
            : null;
        return newest ?? throw new InvalidOperationException(
            "No PostgreSQL server is installed: found no /usr/lib/postgresql/*/bin/initdb. Run the tests with `bash scripts/test.sh`, " +
            "which installs it (apt-get install -y postgresql-15), or install a PostgreSQL server package yourself.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A server program, as the postgres user when the tests run as root (PostgreSQL refuses root).</summary>
    private Task<string> RunToolAsync(string tool, IReadOnlyList<string> arguments)
    {
        var program = Path.Combine(_binDirectory, tool);
        return _asPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", program, .. arguments])
            : RunAsync(program, arguments);
    }

    private static async Task<string> RunAsync(string program, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {program}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            var command = new StringBuilder(program);
            foreach (var argument in arguments)
            {
                command.Append(' ').Append(argument);
            }

            throw new InvalidOperationException($"`{command}` exited with {process.ExitCode}:\n{await error.ConfigureAwait(false)}{await output.ConfigureAwait(false)}");
        }

        return (await output.ConfigureAwait(false)).Trim();
    }
}
