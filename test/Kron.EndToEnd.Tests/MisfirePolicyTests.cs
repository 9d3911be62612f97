using Kron.Protocol;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// Three interval jobs, one per misfire policy, across a 10-second outage of a real <c>kron serve</c> (SIGKILL, wait,
/// restart). Every slot of the outage is accounted for: run, or recorded as skipped with the policy's reason.
/// </summary>
public sealed class MisfirePolicyTests : IDisposable
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    private static readonly Dictionary<string, string> Env = new()
    {
        ["Kron__Dispatcher__PollInterval"] = "00:00:00.100",
        ["Kron__Trigger__MisfireThreshold"] = "00:00:01",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    private readonly string _directory = Directory.CreateTempSubdirectory("kron-e2e-").FullName;

    [Fact]
    public async Task Serve_TenSecondOutage_EachMisfirePolicyAccountsForEveryMissedSlot()
    {
        var data = Path.Combine(_directory, "data");
        var node = await KronProcess.StartAsync(data, Env);
        try
        {
            var api = new KronApi(node.Url);
            var jobs = new Dictionary<string, JobResponse>();
            foreach (var policy in new[] { "run_once", "skip", "run_all" })
            {
                jobs[policy] = await api.CreateJobAsync(new { name = policy, every = "PT1S", misfire = policy, target = new { type = "noop" } });
            }

            await Eventually.TrueAsync(
                async () => (await api.AllRunsAsync()).Count(r => r.State == "succeeded") >= 6,
                TimeSpan.FromSeconds(20),
                "every job to run before the outage");
            await node.KillAsync();
            var killedAt = TimeProvider.System.GetUtcNow();
            api.Dispose();

            await Task.Delay(Outage, TimeProvider.System); // the outage itself: nothing runs while the node is down
            node = await KronProcess.StartAsync(data, Env);
            api = new KronApi(node.Url);
            var restartedAt = TimeProvider.System.GetUtcNow();
            await Eventually.TrueAsync(
                async () => (await api.AllRunsAsync()).Count(r => r.ScheduledFor > restartedAt && r.State == "succeeded") >= 3,
                TimeSpan.FromSeconds(20),
                "every job to run again after the restart");

            var runs = await api.AllRunsAsync();
            foreach (var (policy, job) in jobs)
            {
                var own = runs.Where(r => r.JobId == job.Id).ToList();
                var lastBefore = own.Where(r => r.ScheduledFor <= killedAt).Max(r => r.ScheduledFor);
                // Slots surely missed: after the last one before the kill, and more than the threshold before the
                // node could have looked again (it started after the outage).
                var missed = own.Where(r => r.ScheduledFor > lastBefore && r.ScheduledFor < killedAt + Outage - TimeSpan.FromSeconds(1)).ToList();

                // No slot vanished: from the first missed one to the restart, every second has exactly one row.
                var window = own.Where(r => r.ScheduledFor > lastBefore && r.ScheduledFor <= restartedAt).OrderBy(r => r.ScheduledFor).ToList();
                Assert.Equal(lastBefore + TimeSpan.FromSeconds(1), window[0].ScheduledFor);
                Assert.All(window.Zip(window.Skip(1)), pair => Assert.Equal(TimeSpan.FromSeconds(1), pair.Second.ScheduledFor - pair.First.ScheduledFor));
                Assert.True(missed.Count >= 7, $"{policy}: expected at least 7 missed slots, saw {missed.Count}");

                switch (policy)
                {
                    case "skip":
                        Assert.All(missed, r => Assert.Equal("skipped", r.State));
                        Assert.All(missed, r => Assert.Contains("misfire skip", r.SkipReason, StringComparison.Ordinal));
                        break;
                    case "run_all":
                        Assert.All(missed, r => Assert.Equal("succeeded", r.State));
                        break;
                    default:
                        Assert.True(missed.Count(r => r.State == "succeeded") <= 1, $"run_once ran {missed.Count(r => r.State == "succeeded")} missed slots");
                        Assert.True(missed.Count(r => r.State == "skipped") >= missed.Count - 1);
                        Assert.All(missed.Where(r => r.State == "skipped"), r => Assert.Contains("run_once", r.SkipReason, StringComparison.Ordinal));
                        break;
                }
            }

            api.Dispose();
        }
        finally
        {
            await node.DisposeAsync();
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
