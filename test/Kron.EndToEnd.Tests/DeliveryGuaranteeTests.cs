using System.Diagnostics;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// <c>kron serve</c> is killed with SIGKILL while shell and http runs are in flight. At-least-once runs are executed
/// again with the same run id (the idempotency key); at-most-once runs become <c>lost</c> and never run again; no child
/// process of a shell job outlives the server.
/// </summary>
public sealed class DeliveryGuaranteeTests : IDisposable
{
    private static readonly Dictionary<string, string> Env = new()
    {
        ["Kron__Dispatcher__PollInterval"] = "00:00:00.100",
        ["Kron__Rescuer__Interval"] = "00:00:00.250",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("kron-e2e-").FullName;

    [Fact]
    public async Task Serve_KilledWhileRunsAreInFlight_ReExecutesAtLeastOnceAndLosesAtMostOnceWithoutOrphans()
    {
        var data = Path.Combine(_directory, "data");
        var starts = Path.Combine(_directory, "starts.log");
        var finished = Path.Combine(_directory, "finished.log");
        var marker = $"kron-e2e-{Guid.NewGuid():N}";
        using var held = new HeldHttpTarget();
        var node = await KronProcess.StartAsync(data, Env);
        try
        {
            using var api = new KronApi(node.Url);
            var now = TimeProvider.System.GetUtcNow();
            // The sleeping child carries a marker in its command line, so that a survivor can be found with pgrep.
            var shellCommand = $"echo \"$KRON_RUN_ID $KRON_JOB_ID\" >> {starts}; sleep 4 && echo {marker} >/dev/null; echo \"$KRON_RUN_ID\" >> {finished}";
            var atLeastOnceShell = await api.CreateJobAsync(new { name = "alo-shell", schedule_time = now, target = new { type = "shell", command = shellCommand } });
            var atMostOnceShell = await api.CreateJobAsync(new { name = "amo-shell", schedule_time = now, delivery = "at_most_once", target = new { type = "shell", command = shellCommand } });
            var atLeastOnceHttp = await api.CreateJobAsync(new { name = "alo-http", schedule_time = now, target = new { type = "http", url = held.Url.ToString() } });
            var atMostOnceHttp = await api.CreateJobAsync(new { name = "amo-http", schedule_time = now, delivery = "at_most_once", target = new { type = "http", url = held.Url.ToString() } });

            // Everything is in flight: both shell runs started their command, both requests reached the target.
            await Eventually.TrueAsync(() => Task.FromResult(File.Exists(starts) && File.ReadAllLines(starts).Length == 2 && held.Keys.Count == 2), TimeSpan.FromSeconds(30), "all four runs in flight");
            Assert.NotEmpty(Survivors(marker));

            await node.KillAsync();

            // No child of a shell job outlives the server, even before it restarts.
            await Eventually.TrueAsync(() => Task.FromResult(Survivors(marker).Count == 0), TimeSpan.FromSeconds(10), "the shell jobs' processes to die with the server");
            held.Release();

            node = await KronProcess.StartAsync(data, Env);
            using var restarted = new KronApi(node.Url);
            var jobs = new[] { atLeastOnceShell, atMostOnceShell, atLeastOnceHttp, atMostOnceHttp };
            await Eventually.TrueAsync(
                async () => (await restarted.AllRunsAsync()).Count(r => r.State is "succeeded" or "lost") == 4,
                TimeSpan.FromSeconds(60),
                "the at-least-once runs to succeed and the at-most-once runs to be lost");

            var runs = (await restarted.AllRunsAsync()).ToDictionary(r => r.JobId);
            Assert.Equal("succeeded", runs[atLeastOnceShell.Id].State);
            Assert.Equal("succeeded", runs[atLeastOnceHttp.Id].State);
            Assert.Equal(2, runs[atLeastOnceShell.Id].Attempt);
            var lost = new[] { runs[atMostOnceShell.Id], runs[atMostOnceHttp.Id] };
            Assert.All(lost, r => Assert.Equal("lost", r.State));
            Assert.All(lost, r => Assert.Contains("will not be relaunched", r.Outcome?.Error ?? "", StringComparison.OrdinalIgnoreCase));

            // The at-least-once shell run started twice under one run id; the at-most-once one started once only.
            var startLines = File.ReadAllLines(starts).Select(l => l.Split(' ')).ToList();
            Assert.Equal(2, startLines.Count(l => l[1] == atLeastOnceShell.Id));
            Assert.Single(startLines.Where(l => l[1] == atLeastOnceShell.Id).Select(l => l[0]).Distinct());
            Assert.Single(startLines, l => l[1] == atMostOnceShell.Id);
            Assert.Equal([runs[atLeastOnceShell.Id].Id], File.ReadAllLines(finished));

            // The at-least-once request was delivered again with the same idempotency key; the at-most-once one was not.
            Assert.Equal(2, held.Keys.Count(k => k == runs[atLeastOnceHttp.Id].Id));
            Assert.Single(held.Keys, k => k == runs[atMostOnceHttp.Id].Id);
            Assert.All(jobs, j => Assert.Single(runs.Values, r => r.JobId == j.Id));
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<int> Survivors(string marker)
    {
        using var pgrep = Process.Start(new ProcessStartInfo("pgrep", ["-f", marker]) { RedirectStandardOutput = true })!;
        var output = pgrep.StandardOutput.ReadToEnd();
        pgrep.WaitForExit();
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).Where(pid => pid != Environment.ProcessId)];
    }
}
