using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Kron.Testing;

namespace Kron.Cli.Tests;

/// <summary>
/// One real <c>kron serve</c> process per test class, on its own SQLite file in a temporary directory, and the
/// <c>kron</c> client commands run against it with <c>--url</c>. Tests in a class share the server, so each one tags
/// its jobs with a tag of its own (<see cref="NewTag"/>) and looks only at those.
/// </summary>
public sealed partial class KronServerFixture : IAsyncLifetime
{
    /// <summary>How long a run may take to be picked up and finished before a test gives up waiting.</summary>
    public static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(20);

    private static readonly Dictionary<string, string> ServerEnvironment = new()
    {
        ["Logging__LogLevel__Default"] = "Warning",
        // The trigger wakes on every new job anyway; a short idle scan only cuts the wait for "--at soon".
        ["Kron__Trigger__MaxIdleInterval"] = "00:00:00.200",
    };

    private KronProcess? _node;

    /// <summary>A temporary directory of this class's own; the server's data directory is inside it.</summary>
    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("kron-cli-tests-").FullName;

    /// <summary>The server's base URL, such as <c>http://127.0.0.1:41234/</c>.</summary>
    public string Url => (_node ?? throw new InvalidOperationException("the server is not started")).Url.ToString();

    public async Task InitializeAsync() =>
        _node = await KronProcess.StartAsync(Path.Combine(Directory, "data"), ServerEnvironment, "cli-tests");

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.StopAsync();
            await _node.DisposeAsync();
        }

        System.IO.Directory.Delete(Directory, recursive: true);
    }

    /// <summary>The end of the server's stdout and stderr, for failure messages.</summary>
    public string ServerLogTail() => string.Join('\n', (_node?.Log ?? string.Empty).Split('\n').TakeLast(40));

    /// <summary>A tag no other test uses, so that <c>kron job ls --tag</c> shows only this test's jobs.</summary>
    public static string NewTag() => "t-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Runs <c>kron <paramref name="args"/> --url URL</c> in process.</summary>
    internal Task<CliResult> KronAsync(params string[] args) => CliRunner.RunInProcessAsync([.. args, "--url", Url]);

    /// <summary>Runs <c>kron <paramref name="args"/> --url URL</c> in process with <paramref name="input"/> as standard input.</summary>
    internal Task<CliResult> KronWithInputAsync(string input, params string[] args) => CliRunner.RunWithInputAsync(input, [.. args, "--url", Url]);

    /// <summary>Runs <c>kron <paramref name="args"/> --json</c>, asserts exit 0 and an empty stderr, and parses stdout.</summary>
    public async Task<JsonNode> KronJsonAsync(params string[] args)
    {
        var result = await KronAsync([.. args, "--json"]);
        Assert.True(
            result.ExitCode == 0 && result.Error.Length == 0,
            $"kron {string.Join(' ', args)} exited {result.ExitCode}: {result.Error}\nserver log (last lines):\n{ServerLogTail()}");
        return JsonNode.Parse(result.Output) ?? throw new InvalidOperationException("kron printed JSON null");
    }

    /// <summary><c>kron job add FLAGS --json</c>: the created job as the API wrote it.</summary>
    public Task<JsonNode> AddJobAsync(params string[] flags) => KronJsonAsync(["job", "add", .. flags]);

    /// <summary>Reads <paramref name="path"/> from the API directly, with no part of the CLI or client in between.</summary>
    public async Task<JsonNode> ApiGetAsync(string path)
    {
        using var http = new HttpClient { BaseAddress = new Uri(Url) };
        using var response = await http.GetAsync(new Uri(path.TrimStart('/'), UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path} answered {(int)response.StatusCode}: {text}");
        return JsonNode.Parse(text)!;
    }

    /// <summary>
    /// Polls <c>kron run get ID --json</c> until the run has finished (any final state) and returns it: the test then
    /// asserts which state it finished in, so that a failed run fails at once with its outcome instead of a timeout.
    /// </summary>
    public Task<JsonNode> WaitForFinishedRunAsync(string runId) =>
        Eventually.GetAsync(
            async () =>
            {
                var run = await KronJsonAsync("run", "get", runId);
                return (string?)run["state"] is "queued" or "running" ? null : run;
            },
            RunTimeout,
            $"run {runId} to finish");

    /// <summary>Polls <c>kron run ls --job ID --json</c> until the job has a finished run, and returns the newest.</summary>
    public Task<JsonNode> WaitForFinishedRunOfJobAsync(string jobId) =>
        Eventually.GetAsync(
            async () => (await KronJsonAsync("run", "ls", "--job", jobId))["items"]!.AsArray()
                .FirstOrDefault(run => (string?)run!["state"] is not ("queued" or "running")),
            RunTimeout,
            $"a run of job {jobId} to finish");

    /// <summary>The run id in <c>kron job trigger</c>'s line, asserted to name the job.</summary>
    internal static string TriggeredRunId(CliResult result, string jobId)
    {
        Assert.Equal(0, result.ExitCode);
        var line = Assert.Single(result.Lines);
        var match = TriggeredLine().Match(line);
        Assert.True(match.Success, line);
        Assert.Equal(jobId, match.Groups["job"].Value);
        return match.Groups["run"].Value;
    }

    [GeneratedRegex("^triggered job (?<job>[0-9a-f]{32}): run (?<run>[0-9a-f]{32}) is (queued|running|succeeded)$")]
    private static partial Regex TriggeredLine();
}

/// <summary>Reads the CLI's aligned tables back into cells by the header's column positions.</summary>
internal static class CliTable
{
    /// <summary>
    /// Splits <paramref name="lines"/> (a header, then rows) at the header's column starts. Asserts that the header has
    /// exactly <paramref name="columns"/> in order and that every cell starts at its column (the table is aligned).
    /// </summary>
    public static List<Dictionary<string, string>> Parse(IReadOnlyList<string> lines, params string[] columns)
    {
        Assert.NotEmpty(lines);
        var header = lines[0];
        var starts = new int[columns.Length];
        for (var i = 0; i < columns.Length; i++)
        {
            starts[i] = header.IndexOf(columns[i], i == 0 ? 0 : starts[i - 1] + columns[i - 1].Length, StringComparison.Ordinal);
            Assert.True(starts[i] >= 0, $"column {columns[i]} is not in the header: {header}");
        }

        Assert.Equal(0, starts[0]);
        Assert.Equal(string.Join(' ', columns), string.Join(' ', header.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        var rows = new List<Dictionary<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < columns.Length; i++)
            {
                var end = i + 1 < columns.Length ? Math.Min(starts[i + 1], line.Length) : line.Length;
                Assert.True(starts[i] == 0 || line[starts[i] - 1] == ' ', $"column {columns[i]} is not aligned in: {line}");
                row[columns[i]] = line[starts[i]..end].Trim();
            }

            rows.Add(row);
        }

        return rows;
    }
}
