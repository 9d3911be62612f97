using Kron.Protocol;
using Kron.Testing;
using Xunit.Abstractions;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// A real <c>kron serve</c> process is killed with SIGKILL at random moments while http, shell and interval jobs fire
/// and one-time jobs come due, and restarted on the same data directory. Afterwards: every registered job is still
/// there, every one-time job ran, and no slot ever became two runs (by the API, by the webhook's deliveries and by the
/// shell job's file).
/// </summary>
public sealed class CrashRecoveryTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Dictionary<string, string> FastRecovery = new()
    {
        ["Kron__Dispatcher__LeaseDuration"] = "00:00:03",
        ["Kron__Dispatcher__PollInterval"] = "00:00:00.100",
        ["Kron__Rescuer__Interval"] = "00:00:00.250",
        // Slots missed during the restart must run, however slow the machine: this test is about crashes, not about
        // the misfire policies (MisfirePolicyTests).
        ["Kron__Trigger__MisfireThreshold"] = "00:00:30",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("kron-e2e-").FullName;

    [Fact]
    public async Task Serve_KilledWithSigkillWhileJobsFire_LosesNoJobAndRunsNoSlotTwice()
    {
        var data = Path.Combine(_directory, "data");
        var shellLog = Path.Combine(_directory, "shell.log");
        using var hook = new RecordingHttpServer();
        var random = new Random(20261123);
        var node = await KronProcess.StartAsync(data, FastRecovery);
        try
        {
            var api = new KronApi(node.Url);
            var recurring = new List<JobResponse>
            {
                await api.CreateJobAsync(new { name = "webhook", every = "PT1S", target = new { type = "http", url = hook.Url.ToString() }, payload = new { report = "daily" } }),
                await api.CreateJobAsync(new { name = "shell", every = "PT1S", target = new { type = "shell", command = $"echo \"$KRON_RUN_ID $KRON_SCHEDULED_FOR\" >> {shellLog}; sleep 0.3" } }),
                await api.CreateJobAsync(new { name = "interval", every = "PT1S", target = new { type = "noop", duration = "PT0.2S" } }),
            };
            var oneTime = new List<JobResponse>();

            for (var crash = 0; crash < 4; crash++)
            {
                for (var k = 0; k < 3; k++)
                {
                    var at = TimeProvider.System.GetUtcNow().AddMilliseconds(random.Next(300, 4000));
                    oneTime.Add(await api.CreateJobAsync(new { name = $"once-{crash}-{k}", schedule_time = at, target = new { type = "http", url = hook.Url.ToString() } }));
                }

                var seen = hook.Requests.Count;
                await Eventually.TrueAsync(() => Task.FromResult(hook.Requests.Count >= seen + 2), TimeSpan.FromSeconds(20), "webhook deliveries before the crash");
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 700)), TimeProvider.System); // a random moment to crash

                await node.KillAsync();
                api.Dispose();
                node = await KronProcess.StartAsync(data, FastRecovery);
                api = new KronApi(node.Url);
            }

            // Let the survivors finish: every one-time job ran, then stop the recurring ones and drain.
            await Eventually.TrueAsync(
                async () => (await Task.WhenAll(oneTime.Select(j => api.GetJobAsync(j.Id)))).All(j => j?.LastRun?.State == "succeeded"),
                TimeSpan.FromSeconds(60),
                "every one-time job to have run");
            foreach (var job in recurring)
            {
                await api.PauseAsync(job.Id);
            }

            await Eventually.TrueAsync(
                async () => (await api.AllRunsAsync()).All(r => r.State is not ("queued" or "running")),
                TimeSpan.FromSeconds(60),
                "no run left queued or running");

            // No registered job was lost.
            foreach (var job in recurring.Concat(oneTime))
            {
                Assert.NotNull(await api.GetJobAsync(job.Id));
            }

            // No slot became two runs, and every run ended well (interrupted ones were run again).
            var runs = await api.AllRunsAsync();
            Assert.All(runs.GroupBy(r => (r.JobId, r.ScheduledFor)), slot => Assert.Single(slot));
            Assert.All(runs, r => Assert.Equal("succeeded", r.State));
            Assert.All(oneTime, j => Assert.Single(runs, r => r.JobId == j.Id));
            Assert.All(recurring, j => Assert.True(runs.Count(r => r.JobId == j.Id) >= 4, $"job {j.Name} ran too rarely"));

            // The targets saw each slot under one run id only (a re-delivery after a crash keeps the same id).
            var deliveries = hook.Requests.GroupBy(r => (r.Header("Kron-Job-Id"), r.Header("Kron-Scheduled-For")));
            Assert.All(deliveries, slot => Assert.Single(slot.Select(r => r.Header("Idempotency-Key")).Distinct()));
            Assert.All(hook.Requests, r => Assert.Equal(r.Header("Kron-Run-Id"), r.Header("Idempotency-Key")));
            var shellLines = (await File.ReadAllLinesAsync(shellLog)).Select(l => l.Split(' ')).ToList();
            Assert.NotEmpty(shellLines);
            Assert.All(shellLines.GroupBy(l => l[1]), slot => Assert.Single(slot.Select(l => l[0]).Distinct()));

            output.WriteLine(
                $"{runs.Count} runs; {runs.Count(r => r.Attempt > 1)} ran again after a crash or failure; " +
                $"{hook.Requests.Count - hook.Requests.Select(r => r.Header("Idempotency-Key")).Distinct().Count()} webhook re-deliveries with the same key");

            api.Dispose();
            await node.StopAsync();
            Assert.True(node.HasExited);
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    [Fact]
    public async Task Serve_SecondProcessOnSameData_ExitsNonZeroAndTouchesNothing()
    {
        var data = Path.Combine(_directory, "data");
        await using var node = await KronProcess.StartAsync(data, FastRecovery);
        var before = File.GetLastWriteTimeUtc(Path.Combine(data, "kron.db"));

        var second = await CliProcess.RunAsync("serve", "--data", data, "--listen", "http://127.0.0.1:0");

        Assert.Equal(1, second.ExitCode);
        Assert.Contains("in use by another Kron process", second.Error, StringComparison.Ordinal);
        Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(data, "kron.db")));
        using var api = new KronApi(node.Url);
        Assert.Empty(await api.AllRunsAsync());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
