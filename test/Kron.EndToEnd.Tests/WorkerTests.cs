using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Kron.Protocol;
using Kron.Testing;

namespace Kron.EndToEnd.Tests;

/// <summary>
/// Issue 7: a real <c>kron serve</c> and three real worker processes (the Kron.Worker SDK, <c>kron-test-worker</c>)
/// drain 10,000 queued runs over two queues; one worker is SIGKILLed midway. On SQLite (one node) here, and on a
/// two-node PostgreSQL cluster in <see cref="ClusterWorkerTests"/>, where the workers lease through both nodes.
/// </summary>
public sealed class WorkerTests
{
    private const int BulkRuns = 6000;
    private const int MailRuns = 4000;
    private const int MailLimit = 5;

    /// <summary>What the nodes run with: short worker leases, so the killed worker's runs come back within seconds.</summary>
    internal static readonly IReadOnlyDictionary<string, string> NodeEnvironment = new Dictionary<string, string>
    {
        ["Kron__Workers__LeaseDuration"] = "00:00:03",
        ["Kron__Rescuer__Interval"] = "00:00:00.250",
        ["Logging__LogLevel__Default"] = "Warning",
    };

    [Fact]
    public async Task TenThousandRuns_ThreeWorkersOneKilled_EveryRunCompletesOnceWithPrioritiesAndLimitsKept()
    {
        var directory = Directory.CreateTempSubdirectory("kron-workers-").FullName;
        try
        {
            await using var node = await KronProcess.StartAsync(Path.Combine(directory, "data"), NodeEnvironment);
            await DrainAsync(directory, [node.Url, node.Url, node.Url]);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>
    /// Registers the runs through the first node, starts worker i against <paramref name="nodes"/>[i], kills worker 2
    /// at half, and checks every guarantee once the queues are empty.
    /// </summary>
    internal static async Task DrainAsync(string directory, IReadOnlyList<Uri> nodes)
    {
        // One record file per worker: appends of several processes to one file would interleave.
        var record = Path.Combine(directory, "record");
        using var http = new HttpClient { BaseAddress = nodes[0], Timeout = TimeSpan.FromSeconds(60) };
        (await http.PutAsJsonAsync(new Uri("/v1/queues/mail", UriKind.Relative), new { max_leased = MailLimit }, ProtocolJson.Options)).EnsureSuccessStatusCode();

        // Every run queued before any worker starts, so the lease order alone decides what runs first. A tenth of
        // each queue has priority 10; delivery is at least once (the default), so the killed worker's runs come back.
        var at = TimeProvider.System.GetUtcNow().AddSeconds(1);
        var jobs = Enumerable.Range(0, BulkRuns).Select(i => Job("bulk", i % 10 == 0 ? 10 : 0, at))
            .Concat(Enumerable.Range(0, MailRuns).Select(i => Job("mail", i % 10 == 0 ? 10 : 0, at)))
            .ToList();
        foreach (var batch in jobs.Chunk(1000))
        {
            (await http.PostAsJsonAsync(new Uri("/v1/jobs/batch", UriKind.Relative), new { jobs = batch }, ProtocolJson.Options)).EnsureSuccessStatusCode();
        }

        await Eventually.TrueAsync(async () => (await QueuesAsync(http)).Sum(q => q.Queued) == BulkRuns + MailRuns, TimeSpan.FromSeconds(60), "every run to be queued");

        var workers = new List<WorkerProcess>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                // w2, the one killed, works slowly: it always holds runs it has started and not finished.
                workers.Add(WorkerProcess.Start(nodes[i], $"w{i + 1}", "bulk:8,mail:4", record, workMs: i == 1 ? 200 : 2));
            }

            // The server's view while the runs drain: the mail queue never has more leased runs than its limit.
            var maxMailLeased = 0L;
            using var watching = new CancellationTokenSource();
            var watcher = Task.Run(async () =>
            {
                while (!watching.IsCancellationRequested)
                {
                    var mail = (await QueuesAsync(http)).FirstOrDefault(q => q.Name == "mail");
                    maxMailLeased = Math.Max(maxMailLeased, mail?.Running ?? 0);
                    await Task.Delay(TimeSpan.FromMilliseconds(50), TimeProvider.System);
                }
            });

            await Eventually.TrueAsync(() => Task.FromResult(Lines(record).Count(l => l.What == "done") >= (BulkRuns + MailRuns) / 2), TimeSpan.FromMinutes(4), "half the runs to be done");
            await Eventually.TrueAsync(() => Task.FromResult(HoldsUnfinished(Lines(record), "w2")), TimeSpan.FromMinutes(1), "w2 to be in a handler");
            await workers[1].KillAsync();
            var killedAt = TimeProvider.System.GetUtcNow();

            await Eventually.TrueAsync(
                async () => (await QueuesAsync(http)).Sum(q => q.Queued + q.Running) == 0,
                TimeSpan.FromMinutes(5),
                "every run to finish");
            await watching.CancelAsync();
            await watcher;

            var runs = await AllRunsAsync(http);
            var lines = Lines(record);
            Assert.Equal(BulkRuns + MailRuns, runs.Count);
            Assert.All(runs, r => Assert.Equal("succeeded", r.State));

            // At least once: the runs the killed worker held were leased again after their leases expired.
            var reLeased = runs.Where(r => r.Attempt > 1).ToList();
            Assert.NotEmpty(reLeased);
            Assert.All(reLeased, r => Assert.True(r.FinishedAt >= killedAt.Add(-TimeSpan.FromSeconds(1)), $"run {r.Id} ran again before the kill"));
            // Their first attempt was the killed worker's (leased, maybe started, maybe finished by its handler with the
            // completion not yet sent when the SIGKILL came: at least once): nobody else ran it, and the killed worker
            // did nothing after the kill.
            Assert.All(reLeased, r => Assert.DoesNotContain(lines, l => l.Run == r.Id && l.Attempt == 1 && l.Worker != "w2"));
            Assert.All(lines.Where(l => l.Worker == "w2"), l => Assert.True(l.At <= killedAt.ToUnixTimeMilliseconds(), $"w2 recorded {l.What} of run {l.Run} after it was killed"));

            // Each run finished by its final attempt exactly once: no second completion with a valid token, and the
            // surviving workers never ran one attempt twice.
            var done = lines.Where(l => l.What == "done").GroupBy(l => (l.Run, l.Attempt)).ToList();
            Assert.All(done, g => Assert.Single(g));
            Assert.All(runs, r => Assert.Contains(lines, l => l.Run == r.Id && l.Attempt == r.Attempt && l.What == "done" && "worker:" + l.Worker == r.Node));
            Assert.All(runs, r => Assert.Equal("worker:" + lines.Last(l => l.Run == r.Id && l.What == "done").Worker, r.Node));

            // Limits: the server never had more mail runs leased than the limit, nor did the handlers overlap more.
            Assert.InRange(maxMailLeased, 1, MailLimit);
            Assert.InRange(MaxOverlap(lines.Where(l => l.Queue == "mail" && l.Worker != "w2")), 1, MailLimit);

            // Priorities: in each queue, first attempts of priority 10 start before those of priority 0, give or take
            // the runs already leased (at most every worker's slots for that queue).
            foreach (var (queue, slots) in new[] { ("bulk", 3 * 8), ("mail", MailLimit) })
            {
                var starts = lines.Where(l => l.Queue == queue && l.What == "start" && l.Attempt == 1).OrderBy(l => l.At).ToList();
                var lastHigh = starts.FindLastIndex(l => l.Priority == 10);
                var lowBefore = starts.Take(lastHigh).Count(l => l.Priority == 0);
                Assert.True(lowBefore <= slots, $"{queue}: {lowBefore} low-priority runs started before the last high-priority one");
            }
        }
        finally
        {
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
            }
        }
    }

    private static object Job(string queue, int priority, DateTimeOffset at) => new
    {
        schedule_time = at,
        priority,
        payload = new { priority },
        target = new { type = "queue", queue, job_type = "record" },
    };

    private static async Task<IReadOnlyList<QueueResponse>> QueuesAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<QueuesResponse>(new Uri("/v1/queues", UriKind.Relative), ProtocolJson.Options))!.Queues;

    private static async Task<List<RunResponse>> AllRunsAsync(HttpClient http)
    {
        var runs = new List<RunResponse>();
        string? cursor = null;
        do
        {
            var page = (await http.GetFromJsonAsync<Page<RunResponse>>(new Uri($"/v1/runs?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}", UriKind.Relative), ProtocolJson.Options))!;
            runs.AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return runs;
    }

    /// <summary>The most runs whose handlers ran at once (start to done), from the records of finished runs.</summary>
    private static int MaxOverlap(IEnumerable<Line> lines)
    {
        var events = lines.GroupBy(l => (l.Run, l.Attempt))
            .Where(g => g.Any(l => l.What == "done"))
            .SelectMany(g => new[] { (At: g.First(l => l.What == "start").At, Delta: 1), (At: g.First(l => l.What == "done").At, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        int current = 0, max = 0;
        foreach (var (_, delta) in events)
        {
            current += delta;
            max = Math.Max(max, current);
        }

        return max;
    }

    /// <summary>Every worker's records ("{record}-{worker}.log"); a line cut short by a SIGKILL is left out.</summary>
    private static List<Line> Lines(string record)
    {
        var lines = new List<Line>();
        foreach (var path in Directory.GetFiles(Path.GetDirectoryName(record)!, Path.GetFileName(record) + "-*.log"))
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } text)
            {
                var f = text.Split(' ');
                if (f.Length == 7 && long.TryParse(f[6], CultureInfo.InvariantCulture, out var at))
                {
                    lines.Add(new Line(f[0], f[1], int.Parse(f[2], CultureInfo.InvariantCulture), f[3], int.Parse(f[4], CultureInfo.InvariantCulture), f[5], at));
                }
            }
        }

        return lines;
    }

    private sealed record Line(string What, string Run, int Attempt, string Queue, int Priority, string Worker, long At);

    /// <summary>Whether <paramref name="worker"/> has started a run attempt it has not finished.</summary>
    private static bool HoldsUnfinished(IReadOnlyList<Line> lines, string worker)
    {
        var mine = lines.Where(l => l.Worker == worker).ToList();
        return mine.Any(s => s.What == "start" && !mine.Any(d => d.What == "done" && d.Run == s.Run && d.Attempt == s.Attempt));
    }

    /// <summary>A <c>kron-test-worker</c> process (the Kron.Worker SDK), killed with SIGKILL or disposed.</summary>
    private sealed class WorkerProcess : IAsyncDisposable
    {
        private readonly Process _process;

        private WorkerProcess(Process process) => _process = process;

        public static WorkerProcess Start(Uri url, string id, string queues, string record, int workMs)
        {
            var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "kron-test-worker.dll"));
            start.Environment["KRON_URL"] = url.ToString();
            start.Environment["WORKER_ID"] = id;
            start.Environment["QUEUES"] = queues;
            start.Environment["RECORD"] = $"{record}-{id}.log";
            start.Environment["WORK_MS"] = workMs.ToString(CultureInfo.InvariantCulture);
            var process = Process.Start(start) ?? throw new InvalidOperationException("could not start kron-test-worker");
            process.OutputDataReceived += (_, _) => { };
            process.ErrorDataReceived += (_, _) => { };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return new WorkerProcess(process);
        }

        public async Task KillAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            await _process.WaitForExitAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await KillAsync();
            _process.Dispose();
        }
    }
}

/// <summary>The same drain on a two-node PostgreSQL cluster: workers 1 and 2 lease through node-1, worker 3 through node-2.</summary>
[Collection(ClusterTestGroup.Name)]
public sealed class ClusterWorkerTests(ClusterFixture fixture)
{
    [Fact]
    public async Task TenThousandRuns_WorkersOnTwoNodesOneKilled_EveryRunCompletesOnceWithPrioritiesAndLimitsKept()
    {
        var env = new Dictionary<string, IReadOnlyDictionary<string, string>> { ["node-1"] = WorkerTests.NodeEnvironment, ["node-2"] = WorkerTests.NodeEnvironment };
        await using var cluster = await KronCluster.StartAsync(await fixture.Server, 2, env);
        var one = cluster.Nodes["node-1"].Url;
        await WorkerTests.DrainAsync(cluster.Directory, [one, one, cluster.Nodes["node-2"].Url]);
    }
}
