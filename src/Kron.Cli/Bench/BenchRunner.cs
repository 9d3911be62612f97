using System.Diagnostics;
using System.Globalization;
using Kron.Client;
using Kron.Engine.Scheduling;
using Kron.Protocol;

namespace Kron.Cli.Bench;

/// <summary>What to run: the workload, its size, and where (nodes this command starts, or a running server).</summary>
internal sealed record BenchSettings(
    string Workload,
    int Jobs,
    double Rate,
    TimeSpan Duration,
    string? DataDirectory,
    string? Store,
    Uri? Url,
    int Nodes,
    long Stored,
    int Concurrency)
{
    /// <summary>W1: from the start of registration to T0.</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromSeconds(15);

    public string StoreName => Store is not null ? "postgres" : Url is not null ? "remote" : "sqlite";
}

/// <summary>
/// Runs one workload of <c>BENCHMARKS.md</c> against Kron through its REST API: registers <c>noop</c> jobs, waits for
/// their runs, reads the runs back and measures lag from each run's <c>started_at</c> (stamped by the node that ran it)
/// to its slot.
/// </summary>
internal sealed class BenchRunner(BenchSettings settings, TextWriter progress, TimeProvider time)
{
    /// <summary>How long after the last slot the benchmark waits for stragglers before it counts them as not run.</summary>
    private static readonly TimeSpan MaxDrainWait = TimeSpan.FromSeconds(120);

    /// <summary>Jobs per registration request.</summary>
    private const int BatchSize = 500;

    private readonly string _tag = "bench-" + time.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);

    private readonly string _data = settings.DataDirectory ?? Path.Combine(Path.GetTempPath(), "kron-bench-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        var ownsData = settings.Url is null && settings.Store is null && settings.DataDirectory is null;
        var data = _data;
        BenchNodes? nodes = null;
        try
        {
            if (settings.Url is null)
            {
                progress.WriteLine($"Starting {settings.Nodes} node(s) on {(settings.Store is null ? "SQLite in " + data : "PostgreSQL")}...");
                nodes = await BenchNodes.StartAsync(settings.Nodes, data, settings.Store, cancellationToken).ConfigureAwait(false);
            }

            var url = settings.Url ?? nodes!.Nodes[0].Url;
            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = settings.Concurrency + 2 })
            {
                BaseAddress = url,
                Timeout = TimeSpan.FromMinutes(2),
            };
            using var client = new KronClient(http);
            var sizeBefore = await StoreBytesAsync(data).ConfigureAwait(false);
            var report = settings.Workload switch
            {
                "w1" => await BurstAsync(client, nodes, cancellationToken).ConfigureAwait(false),
                "w3" => await RecurringAsync(client, nodes, cancellationToken).ConfigureAwait(false),
                _ => await SteadyAsync(client, nodes, cancellationToken).ConfigureAwait(false),
            };
            var sizeAfter = await StoreBytesAsync(data).ConfigureAwait(false);
            var perJobAndRun = settings.Workload is "w1" or "w2" && sizeBefore is { } b && sizeAfter is { } a ? Math.Round((double)(a - b) / report.Jobs, 0) : (double?)null;
            return report with { StartedAt = startedAt, StoreBytesPerJobAndRun = perJobAndRun };
        }
        finally
        {
            if (nodes is not null)
            {
                await nodes.DisposeAsync().ConfigureAwait(false);
            }

            if (ownsData)
            {
                TryDelete(data);
            }
        }
    }

    /// <summary>W1: every job at the same instant T0 = now + 15 s (<c>--lead</c>).</summary>
    private async Task<BenchReport> BurstAsync(KronClient client, BenchNodes? nodes, CancellationToken cancellationToken)
    {
        var t0 = Truncate(time.GetUtcNow() + settings.Lead);
        var (jobs, registration) = await RegisterAsync(client, settings.Jobs, _ => t0, cancellationToken).ConfigureAwait(false);
        if (time.GetUtcNow() > t0)
        {
            progress.WriteLine($"warning: registration ended after T0; the first runs started while jobs were still being registered");
        }

        var cpu = new CpuWindow(nodes, settings.Store, time);
        var runs = await WaitForRunsAsync(client, jobs, t0, cpu, cancellationToken).ConfigureAwait(false);
        return Summarize(jobs, runs, registration, t0, t0, cpu, nodes);
    }

    /// <summary>W2 (and scale, failover): job i at T0 + i/R, registered before T0.</summary>
    private async Task<BenchReport> SteadyAsync(KronClient client, BenchNodes? nodes, CancellationToken cancellationToken)
    {
        double? bytesPerStoredJob = null;
        if (settings.Stored > 0)
        {
            bytesPerStoredJob = await SeedAsync(client, settings.Stored, _data, cancellationToken).ConfigureAwait(false);
        }

        var count = (int)Math.Round(settings.Rate * settings.Duration.TotalSeconds);
        var perSecond = await CalibrateAsync(client, cancellationToken).ConfigureAwait(false);
        var lead = TimeSpan.FromSeconds(10 + (1.25 * count / perSecond));
        var t0 = Truncate(time.GetUtcNow() + lead);
        progress.WriteLine($"Registering {count:N0} jobs at {settings.Rate:N0}/s from T0 = {t0:HH:mm:ss} (in {lead.TotalSeconds:N0} s)...");
        var step = TimeSpan.FromSeconds(1 / settings.Rate);
        var (jobs, registration) = await RegisterAsync(client, count, i => t0 + (step * i), cancellationToken).ConfigureAwait(false);
        var cpu = new CpuWindow(nodes, settings.Store, time);

        Task<double?> failover = Task.FromResult<double?>(null);
        var killAt = t0 + (settings.Duration / 3);
        if (settings.Workload == "failover" && nodes is { Nodes.Count: > 1 })
        {
            failover = KillAndWatchTakeoverAsync(client, nodes.Nodes[1], killAt, cancellationToken);
        }

        var runs = await WaitForRunsAsync(client, jobs, t0 + (step * (count - 1)), cpu, cancellationToken).ConfigureAwait(false);
        var takeover = await failover.ConfigureAwait(false);
        var report = Summarize(jobs, runs, registration, t0, t0 + (step * (count - 1)), cpu, nodes) with { StoreBytesPerStoredJob = bytesPerStoredJob };
        if (settings.Workload == "failover")
        {
            var after = jobs.Where(j => j.Slot >= killAt).ToList();
            report = report with
            {
                TakeoverSeconds = takeover,
                Segments = [Segment("due after the kill", after, runs)],
            };
        }

        return report;
    }

    /// <summary>W3: N jobs on <c>* * * * *</c>, observed over the next minute boundaries.</summary>
    private async Task<BenchReport> RecurringAsync(KronClient client, BenchNodes? nodes, CancellationToken cancellationToken)
    {
        var (jobs, registration) = await RegisterAsync(client, settings.Jobs, null, cancellationToken).ConfigureAwait(false);
        var first = Truncate(time.GetUtcNow() + TimeSpan.FromSeconds(62), TimeSpan.FromMinutes(1));
        var boundaries = Enumerable.Range(0, Math.Max(1, (int)(settings.Duration.TotalMinutes))).Select(i => first.AddMinutes(i)).ToList();
        progress.WriteLine($"Observing {boundaries.Count} minute boundaries from {first:HH:mm:ss}...");
        var cpu = new CpuWindow(nodes, settings.Store, time);
        var expected = boundaries.SelectMany(b => jobs.Select(j => j with { Slot = b })).ToList();
        var runs = await WaitForRunsAsync(client, expected, boundaries[^1], cpu, cancellationToken).ConfigureAwait(false);
        var segments = boundaries.Select(b => Segment($"boundary {b:HH:mm}", [.. expected.Where(j => j.Slot == b)], runs)).ToList();
        await DeleteAsync(client, jobs, cancellationToken).ConfigureAwait(false);
        return Summarize(expected, runs, registration, first, boundaries[^1], cpu, nodes) with { Segments = segments };
    }

    /// <summary>
    /// Registers <paramref name="count"/> jobs through <c>POST /v1/jobs/batch</c>, <see cref="BatchSize"/> per request and
    /// <see cref="BenchSettings.Concurrency"/> requests in flight.
    /// </summary>
    private async Task<(List<BenchJob> Jobs, double PerSecond)> RegisterAsync(
        KronClient client, int count, Func<int, DateTimeOffset>? slotOf, CancellationToken cancellationToken, string? tag = null)
    {
        var jobs = new BenchJob[count];
        var clock = Stopwatch.StartNew();
        var nextBatch = -1;
        var registered = 0;
        var lastReport = TimeSpan.Zero;
        async Task RegisterLoopAsync()
        {
            int batch;
            while ((batch = Interlocked.Increment(ref nextBatch)) * BatchSize < count)
            {
                var first = batch * BatchSize;
                var requests = Enumerable.Range(first, Math.Min(BatchSize, count - first)).Select(i =>
                {
                    var slot = slotOf?.Invoke(i);
                    return new JobCreateRequest
                    {
                        Name = $"{tag ?? _tag}-{i}",
                        ScheduleTime = slot,
                        Cron = slot is null ? "* * * * *" : null,
                        Target = new TargetSpec { Type = "noop" },
                        Retries = 0,
                        Tags = [tag ?? _tag],
                    };
                }).ToList();
                var answer = await client.CreateJobsAsync(requests, cancellationToken).ConfigureAwait(false);
                for (var i = 0; i < requests.Count; i++)
                {
                    var item = answer.Items[i];
                    jobs[first + i] = item.Job is { } job && item.Status == 201
                        ? new BenchJob(job.Id, requests[i].ScheduleTime ?? default)
                        : throw new InvalidOperationException($"the server refused a bench job ({item.Status}: {item.Detail})");
                }

                var done = Interlocked.Add(ref registered, requests.Count);
                if (tag is null && clock.Elapsed - lastReport > TimeSpan.FromSeconds(2))
                {
                    lastReport = clock.Elapsed;
                    progress.WriteLine($"  registered {done:N0}/{count:N0} ({done / clock.Elapsed.TotalSeconds:N0}/s)");
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(RegisterLoopAsync, cancellationToken))).ConfigureAwait(false);
        var perSecond = count / clock.Elapsed.TotalSeconds;
        if (tag is null)
        {
            progress.WriteLine($"Registered {count:N0} jobs in {clock.Elapsed.TotalSeconds:N1} s ({perSecond:N0}/s)");
        }

        return ([.. jobs], perSecond);
    }

    /// <summary>Registers 5,000 far-future jobs to learn this server's registration rate.</summary>
    private async Task<double> CalibrateAsync(KronClient client, CancellationToken cancellationToken)
    {
        var far = time.GetUtcNow().AddYears(10);
        var (_, perSecond) = await RegisterAsync(client, 5000, _ => far, cancellationToken, _tag + "-filler").ConfigureAwait(false);
        return perSecond;
    }

    /// <summary>
    /// Scale: stores <paramref name="count"/> other jobs, scheduled years ahead, before the workload. Returns the bytes
    /// the store grew by per job (tables, indexes, WAL file), when the store can be measured.
    /// </summary>
    private async Task<double?> SeedAsync(KronClient client, long count, string data, CancellationToken cancellationToken)
    {
        progress.WriteLine($"Storing {count:N0} other jobs scheduled years ahead...");
        var before = await StoreBytesAsync(data).ConfigureAwait(false);
        var far = time.GetUtcNow().AddYears(10);
        var (_, perSecond) = await RegisterAsync(client, checked((int)count), i => far.AddSeconds(i), cancellationToken, _tag + "-stored").ConfigureAwait(false);
        var after = await StoreBytesAsync(data).ConfigureAwait(false);
        progress.WriteLine($"Stored {count:N0} other jobs ({perSecond:N0}/s)");
        return before is { } b && after is { } a ? Math.Round((double)(a - b) / count, 0) : null;
    }

    /// <summary>The store's size on disk: the PostgreSQL database, or the SQLite file and its WAL.</summary>
    private async Task<long?> StoreBytesAsync(string data)
    {
        if (settings.Store is { } store)
        {
            await using var connection = new Npgsql.NpgsqlConnection(Kron.Storage.Postgres.PostgresConnectionString.Normalize(store));
            await connection.OpenAsync().ConfigureAwait(false);
            await using var size = new Npgsql.NpgsqlCommand("SELECT pg_database_size(current_database())", connection);
            return (long)(await size.ExecuteScalarAsync().ConfigureAwait(false))!;
        }

        if (settings.Url is not null)
        {
            return null;
        }

        var file = new FileInfo(Path.Combine(data, Kron.Server.Hosting.ServerSettings.DatabaseFileName));
        var wal = new FileInfo(file.FullName + "-wal");
        return (file.Exists ? file.Length : 0) + (wal.Exists ? wal.Length : 0);
    }

    private async Task DeleteAsync(KronClient client, List<BenchJob> jobs, CancellationToken cancellationToken)
    {
        var next = -1;
        async Task DeleteLoopAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < jobs.Count)
            {
                await client.DeleteJobAsync(jobs[i].Id, cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(DeleteLoopAsync, cancellationToken))).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits until every expected slot has a started run, or <see cref="MaxDrainWait"/> after the last slot, showing
    /// progress; returns every run of the benchmark's jobs.
    /// </summary>
    private async Task<Dictionary<string, List<RunResponse>>> WaitForRunsAsync(
        KronClient client, List<BenchJob> expected, DateTimeOffset lastSlot, CpuWindow cpu, CancellationToken cancellationToken)
    {
        var jobIds = expected.Select(j => j.Id).ToHashSet(StringComparer.Ordinal);
        var firstSlot = expected.Min(j => j.Slot);
        var since = firstSlot - TimeSpan.FromSeconds(1);
        var deadline = lastSlot + MaxDrainWait;

        // The CPU window opens before the first slot by the trigger's look-ahead (and a second): a burst's runs are
        // fired during it, and that work belongs to the runs as much as what happens after their slot. (It opens
        // when registration has ended, at the earliest: this is called then.)
        var cpuFrom = firstSlot - JobTriggerOptions.DefaultLookAhead - TimeSpan.FromSeconds(1);
        var cpuStarted = false;
        while (time.GetUtcNow() < firstSlot)
        {
            if (!cpuStarted && time.GetUtcNow() >= cpuFrom)
            {
                await cpu.StartAsync().ConfigureAwait(false);
                cpuStarted = true;
            }

            progress.WriteLine($"  first slot in {(firstSlot - time.GetUtcNow()).TotalSeconds:N0} s");
            var until = cpuStarted ? firstSlot : cpuFrom;
            var delay = Min(until - time.GetUtcNow(), TimeSpan.FromSeconds(5));
            if (delay > TimeSpan.Zero)
            {
                await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
            }
        }

        if (!cpuStarted)
        {
            await cpu.StartAsync().ConfigureAwait(false);
        }
        while (true)
        {
            var now = time.GetUtcNow();
            if (now < lastSlot)
            {
                progress.WriteLine($"  first slot +{(now - firstSlot).TotalSeconds:N0} s, last slot in {(lastSlot - now).TotalSeconds:N0} s");
                await Task.Delay(Min(lastSlot - now, TimeSpan.FromSeconds(5)), time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (now < lastSlot + TimeSpan.FromSeconds(1))
            {
                await Task.Delay(lastSlot + TimeSpan.FromSeconds(1) - now, time, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!await BusyAsync(client, cancellationToken).ConfigureAwait(false) || now > deadline)
            {
                // Until the runs are read back: reading them costs the node CPU too, which is not the workload's.
                await cpu.StopAsync().ConfigureAwait(false);
                var runs = await ReadRunsAsync(client, jobIds, since, cancellationToken).ConfigureAwait(false);
                var started = expected.Count(j => runs.TryGetValue(j.Id, out var r) && r.Any(run => run.StartedAt is not null && run.ScheduledFor == j.Slot));
                progress.WriteLine($"  {started:N0}/{expected.Count:N0} slots started");
                if (started == expected.Count || time.GetUtcNow() > deadline)
                {
                    return runs;
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Whether runs are still queued or running.</summary>
    private static async Task<bool> BusyAsync(KronClient client, CancellationToken cancellationToken)
    {
        var queued = await client.ListRunsAsync(state: "queued", limit: 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        var running = await client.ListRunsAsync(state: "running", limit: 1, cancellationToken: cancellationToken).ConfigureAwait(false);
        return queued.Items.Count > 0 || running.Items.Count > 0;
    }

    /// <summary>Every run of <paramref name="jobIds"/> created since <paramref name="since"/> (newest first by id, so it stops there).</summary>
    private static async Task<Dictionary<string, List<RunResponse>>> ReadRunsAsync(
        KronClient client, HashSet<string> jobIds, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var runs = new Dictionary<string, List<RunResponse>>(StringComparer.Ordinal);
        string? cursor = null;
        do
        {
            var page = await client.ListRunsAsync(cursor: cursor, limit: 500, cancellationToken: cancellationToken).ConfigureAwait(false);
            foreach (var run in page.Items.Where(r => jobIds.Contains(r.JobId)))
            {
                if (!runs.TryGetValue(run.JobId, out var list))
                {
                    runs[run.JobId] = list = [];
                }

                list.Add(run);
            }

            // Run ids start with their creation time in milliseconds: older pages hold only runs made before the bench.
            cursor = page.Items.Count > 0 && CreatedAt(page.Items[^1].Id) >= since - TimeSpan.FromMinutes(1) ? page.NextCursor : null;
        }
        while (cursor is not null);
        return runs;
    }

    private async Task<double?> KillAndWatchTakeoverAsync(KronClient client, BenchNode victim, DateTimeOffset killAt, CancellationToken cancellationToken)
    {
        if (killAt > time.GetUtcNow())
        {
            await Task.Delay(killAt - time.GetUtcNow(), time, cancellationToken).ConfigureAwait(false);
        }

        victim.Kill();
        var killed = Stopwatch.StartNew();
        progress.WriteLine($"  SIGKILLed {victim.Id}");
        while (killed.Elapsed < TimeSpan.FromSeconds(60))
        {
            var cluster = await client.GetClusterAsync(cancellationToken).ConfigureAwait(false);
            if (cluster.Shards.All(s => s.Owner != victim.Id))
            {
                progress.WriteLine($"  every shard of {victim.Id} taken over after {killed.Elapsed.TotalSeconds:N1} s");
                return killed.Elapsed.TotalSeconds;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    private BenchReport Summarize(
        List<BenchJob> expected,
        Dictionary<string, List<RunResponse>> runs,
        double registration,
        DateTimeOffset firstSlot,
        DateTimeOffset lastSlot,
        CpuWindow cpu,
        BenchNodes? nodes)
    {
        var all = Segment("all", expected, runs);
        var starts = expected
            .SelectMany(j => runs.TryGetValue(j.Id, out var r) ? r.Where(run => run.ScheduledFor == j.Slot && run.StartedAt is not null) : [])
            .Select(run => run.StartedAt!.Value)
            .ToList();
        var lastStart = starts.Count == 0 ? firstSlot : starts.Max();
        var drain = Max(lastStart - firstSlot, TimeSpan.FromMilliseconds(1));
        return new BenchReport
        {
            Workload = settings.Workload,
            Store = settings.StoreName,
            Jobs = expected.Count,
            Rate = settings.Workload is "w1" or "w3" ? null : settings.Rate,
            Nodes = nodes?.Nodes.Count ?? 0,
            StoredJobs = settings.Stored,
            RegistrationPerS = Math.Round(registration, 1),
            ThroughputPerS = Math.Round(settings.Workload == "w1" ? starts.Count / drain.TotalSeconds : starts.Count / Max(lastStart - firstSlot, lastSlot - firstSlot + TimeSpan.FromMilliseconds(1)).TotalSeconds, 1),
            DrainSeconds = Math.Round(drain.TotalSeconds, 3),
            LagMs = all.LagMs,
            ExecutedZero = all.Missing,
            ExecutedMultiple = all.Duplicates,
            PeakRssMib = nodes?.Nodes.Select(n => n.PeakRssMib()).Max() is { } rss ? Math.Round(rss, 1) : null,
            NodeCpuSeconds = cpu.Seconds,
            NodeCpuPercent = cpu.Percent,
            DatabaseCpuSeconds = cpu.DatabaseCpuSeconds,
            WalBytesPerRun = cpu.WalBytes is { } wal && starts.Count > 0 ? Math.Round((double)wal / starts.Count, 0) : null,
            StartedAt = default,
        };
    }

    /// <summary>
    /// Lag of each expected slot's run, slots never started (missing) and slots started more than once: two runs for
    /// the slot, or a run whose attempt is past 1 (re-executed after a crash; noop jobs have no retries).
    /// </summary>
    private static BenchSegment Segment(string name, List<BenchJob> expected, Dictionary<string, List<RunResponse>> runs)
    {
        var lags = new List<double>(expected.Count);
        int missing = 0, duplicates = 0;
        foreach (var job in expected)
        {
            var started = runs.TryGetValue(job.Id, out var r)
                ? r.Where(run => run.ScheduledFor == job.Slot && run.StartedAt is not null).ToList()
                : [];
            if (started.Count == 0)
            {
                missing++;
                continue;
            }

            if (started.Count > 1 || started.Any(run => run.Attempt > 1))
            {
                duplicates++;
            }

            lags.Add((started.Min(run => run.StartedAt!.Value) - job.Slot).TotalMilliseconds);
        }

        return new BenchSegment(name, LagSummary.Of(lags), missing, duplicates);
    }

    private static DateTimeOffset CreatedAt(string runId) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(runId.AsSpan(0, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture));

    private static DateTimeOffset Truncate(DateTimeOffset instant, TimeSpan? unit = null)
    {
        var ticks = (unit ?? TimeSpan.FromSeconds(1)).Ticks;
        return new DateTimeOffset(instant.UtcTicks - (instant.UtcTicks % ticks), TimeSpan.Zero);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A registered job and the slot it must run for.</summary>
    internal sealed record BenchJob(string Id, DateTimeOffset Slot);

    /// <summary>
    /// What the nodes and the database used from the first slot until the runs drained: the nodes' CPU time, and with
    /// PostgreSQL the WAL written (pg_stat_wal) and, when the server runs on this machine, its processes' CPU time.
    /// </summary>
    private sealed class CpuWindow(BenchNodes? nodes, string? store, TimeProvider time)
    {
        private TimeSpan _start;
        private DateTimeOffset _startedAt;
        private (long Wal, TimeSpan Cpu)? _storeStart;

        public double? Seconds { get; private set; }

        public double? Percent { get; private set; }

        public long? WalBytes { get; private set; }

        public double? DatabaseCpuSeconds { get; private set; }

        public async Task StartAsync()
        {
            _start = Sum(nodes);
            _startedAt = time.GetUtcNow();
            _storeStart = await SampleStoreAsync().ConfigureAwait(false);
        }

        /// <summary>Ends the window now; a later call moves the end (the last one before the report counts).</summary>
        public async Task StopAsync()
        {
            if (nodes is null)
            {
                return;
            }

            var used = (Sum(nodes) - _start).TotalSeconds;
            var window = (time.GetUtcNow() - _startedAt).TotalSeconds;
            (Seconds, Percent) = (Math.Round(used, 2), Math.Round(100 * used / window, 0));
            if (_storeStart is { } start && await SampleStoreAsync().ConfigureAwait(false) is { } end)
            {
                WalBytes = end.Wal - start.Wal;
                DatabaseCpuSeconds = Math.Round((end.Cpu - start.Cpu).TotalSeconds, 2);
            }
        }

        private async Task<(long Wal, TimeSpan Cpu)?> SampleStoreAsync()
        {
            if (store is null)
            {
                return null;
            }

            try
            {
                await using var connection = new Npgsql.NpgsqlConnection(Kron.Storage.Postgres.PostgresConnectionString.Normalize(store));
                await connection.OpenAsync().ConfigureAwait(false);
                await using var wal = new Npgsql.NpgsqlCommand("SELECT wal_bytes::bigint, pg_backend_pid() FROM pg_stat_wal", connection);
                await using var reader = await wal.ExecuteReaderAsync().ConfigureAwait(false);
                await reader.ReadAsync().ConfigureAwait(false);
                return (reader.GetInt64(0), ServerCpu(reader.GetInt32(1)));
            }
            catch (Npgsql.NpgsqlException)
            {
                return null;
            }
        }

        /// <summary>
        /// CPU time of the PostgreSQL server this connection's backend belongs to, when it runs on this machine: its
        /// postmaster (with its exited children: closed connections) and every live child. Zero when it runs elsewhere.
        /// </summary>
        private static TimeSpan ServerCpu(int backendPid)
        {
            if (ParentOf(backendPid) is not { } postmaster)
            {
                return TimeSpan.Zero;
            }

            var total = ProcessCpu.Read($"/proc/{postmaster}/stat", withExitedChildren: true) ?? TimeSpan.Zero;
            foreach (var directory in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && ParentOf(pid) == postmaster)
                {
                    total += ProcessCpu.Read(Path.Combine(directory, "stat")) ?? TimeSpan.Zero;
                }
            }

            return total;
        }

        private static int? ParentOf(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                return int.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[1], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
                return null;
            }
        }

        private static TimeSpan Sum(BenchNodes? nodes) =>
            nodes is null ? TimeSpan.Zero : nodes.Nodes.Aggregate(TimeSpan.Zero, (sum, n) => sum + (n.CpuTime() ?? TimeSpan.Zero));
    }
}
