using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>Jobs: insert (idempotent by key), get with the last run, list, update (optimistic), delete.</summary>
public abstract partial class StorageConformanceTests
{
    [Fact]
    public async Task InsertJobAsync_EveryField_RoundTrips()
    {
        var job = NewJob() with
        {
            Tenant = "acme",
            Key = "nightly-report",
            ScheduleKind = ScheduleKind.Cron,
            ScheduleTime = T0.AddDays(3).AddTicks(1230),
            Cron = "0 2 * * *",
            TimeZone = "Europe/Paris",
            Every = TimeSpan.FromTicks(12_345_670),
            Target = """{"type":"http","url":"https://example.test/hook"}""",
            Payload = """{"n":1,"s":"é"}""",
            Retries = 4,
            Retry = new RetryPolicy(TimeSpan.FromTicks(2_500_010), TimeSpan.FromHours(1), 1.7, RetryJitter.Proportional),
            Timeout = TimeSpan.FromSeconds(90),
            Concurrency = ConcurrencyPolicy.Forbid,
            MaxConcurrent = 3,
            Misfire = MisfirePolicy.RunAll,
            StartingDeadline = TimeSpan.FromMinutes(10),
            Delivery = DeliveryGuarantee.AtMostOnce,
            Priority = -7,
            Tags = ["billing", "nightly"],
            Paused = true,
            NextFireAt = T0.AddHours(2).AddTicks(10),
            CreatedAt = T0.AddTicks(7_654_320),
            UpdatedAt = T0.AddSeconds(1),
            Version = 3,
            RequestHash = "sha256:abc",
        };

        var result = await Driver.InsertJobAsync(new InsertJobParams(job), Ct);

        Assert.True(result.Created);
        AssertSameJob(job, result.Job);
        AssertSameJob(job, await GetJobAsync(job.Id));
    }

    [Fact]
    public async Task InsertJobAsync_InstantsAndDurations_ReadBackAsUtcTruncatedToMicroseconds()
    {
        var paris = TimeSpan.FromHours(2);
        var job = NewJob() with
        {
            ScheduleKind = ScheduleKind.At,
            ScheduleTime = new DateTimeOffset(2030, 6, 1, 12, 0, 0, paris).AddTicks(1_234_567),
            Every = TimeSpan.FromTicks(15),
            NextFireAt = new DateTimeOffset(2030, 6, 1, 12, 0, 0, paris).AddTicks(9),
            CreatedAt = new DateTimeOffset(2030, 6, 1, 11, 0, 0, paris).AddTicks(1_000_001),
        };

        var stored = await InsertJobAsync(job);

        Assert.Equal(new DateTimeOffset(2030, 6, 1, 10, 0, 0, TimeSpan.Zero).AddTicks(1_234_560), stored.ScheduleTime);
        Assert.Equal(TimeSpan.Zero, stored.ScheduleTime!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2030, 6, 1, 10, 0, 0, TimeSpan.Zero), stored.NextFireAt);
        Assert.Equal(TimeSpan.Zero, stored.NextFireAt!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2030, 6, 1, 9, 0, 0, TimeSpan.Zero).AddTicks(1_000_000), stored.CreatedAt);
        Assert.Equal(TimeSpan.Zero, stored.CreatedAt.Offset);
        Assert.Equal(TimeSpan.FromTicks(10), stored.Every);
        AssertSameJob(stored, await GetJobAsync(job.Id));
    }

    [Fact]
    public async Task InsertJobAsync_KeyTakenInTenant_ReturnsExistingJobNotCreated()
    {
        var first = await InsertJobAsync(NewJob() with { Key = "k1", Name = "first" });

        var again = await Driver.InsertJobAsync(new InsertJobParams(NewJob() with { Key = "k1", Name = "second" }), Ct);

        Assert.False(again.Created);
        AssertSameJob(first, again.Job);
        var all = await Driver.ListJobsAsync(new ListJobsParams(10), Ct);
        Assert.Equal([first.Id], all.Items.Select(j => j.Id));
    }

    [Fact]
    public async Task InsertJobsAsync_Batch_ResultsInOrderWithTakenKeysAndDuplicatesInTheBatch()
    {
        var existing = await InsertJobAsync(NewJob() with { Key = "taken", Name = "existing" });
        var jobs = new[]
        {
            NewJob() with { Name = "a" },
            NewJob() with { Key = "taken", Name = "loses to the stored job" },
            NewJob() with { Key = "new", Name = "b" },
            NewJob() with { Key = "new", Name = "loses to b, earlier in the batch" },
        };

        var result = await Driver.InsertJobsAsync(new InsertJobsParams(jobs), Ct);

        Assert.Equal([true, false, true, false], result.Results.Select(r => r.Created));
        Assert.Equal(jobs[0].Id, result.Results[0].Job.Id);
        AssertSameJob(existing, result.Results[1].Job);
        Assert.Equal("b", result.Results[2].Job.Name);
        Assert.Equal(result.Results[2].Job.Id, result.Results[3].Job.Id);
        var all = await Driver.ListJobsAsync(new ListJobsParams(10), Ct);
        Assert.Equal(3, all.Items.Count);
    }

    [Fact]
    public async Task InsertJobsAsync_Empty_InsertsNothing()
    {
        var result = await Driver.InsertJobsAsync(new InsertJobsParams([]), Ct);

        Assert.Empty(result.Results);
        Assert.Empty((await Driver.ListJobsAsync(new ListJobsParams(10), Ct)).Items);
    }

    [Fact]
    public async Task Writes_ManyAtOnce_EachSucceedsOrFailsAlone()
    {
        // The SQLite driver commits concurrent writes together: one failing write must not undo or fail the others.
        // A second job with job-10's id races job-10 itself: exactly one of the two fails (on SQLite always the second,
        // its writer takes writes in order; PostgreSQL's connections may run them in either order).
        var jobs = Enumerable.Range(0, 50).Select(i => NewJob() with { Name = $"job-{i}" }).ToList();
        var duplicateId = jobs[10] with { Name = "same id as job-10" };

        var writes = jobs.Select(j => Driver.InsertJobAsync(new InsertJobParams(j), Ct)).ToList();
        var duplicate = Driver.InsertJobAsync(new InsertJobParams(duplicateId), Ct);
        List<Task<InsertJobResult>> all = [.. writes, duplicate];
        await Task.WhenAll(all).ContinueWith(_ => { }, TaskScheduler.Default); // every write ends, failed or not

        var failed = Assert.Single(all, t => t.IsFaulted);
        Assert.True(failed == writes[10] || failed == duplicate, "a write other than the two with one id failed");
        var stored = await Driver.ListJobsAsync(new ListJobsParams(100), Ct);
        Assert.Equal(50, stored.Items.Count);
        Assert.Equal(failed == duplicate ? "job-10" : "same id as job-10", stored.Items.Single(j => j.Id == jobs[10].Id).Name);
    }

    [Fact]
    public async Task InsertJobAsync_SameKeyInAnotherTenant_CreatesAnotherJob()
    {
        var first = await InsertJobAsync(NewJob() with { Key = "k1" });

        var other = await Driver.InsertJobAsync(new InsertJobParams(NewJob() with { Tenant = "other", Key = "k1" }), Ct);

        Assert.True(other.Created);
        Assert.NotEqual(first.Id, other.Job.Id);
        Assert.Equal("other", other.Job.Tenant);
    }

    [Fact]
    public async Task InsertJobAsync_WithoutKeys_NeverConflict()
    {
        await InsertJobAsync(NewJob());
        await InsertJobAsync(NewJob());

        var all = await Driver.ListJobsAsync(new ListJobsParams(10), Ct);

        Assert.Equal(2, all.Items.Count);
    }

    [Fact]
    public async Task GetJobAsync_UnknownId_ReturnsNull()
    {
        await InsertJobAsync(NewJob());

        Assert.Null(await Driver.GetJobAsync(new GetJobParams(NewId()), Ct));
    }

    [Fact]
    public async Task GetJobAsync_WithRuns_LastRunIsTheRunWithTheGreatestId()
    {
        var job = await InsertJobAsync(NewJob());
        Assert.Null(job.LastRun);
        var older = NewRun(job.Id, T0.AddMinutes(5));
        var newest = NewRun(job.Id, T0.AddMinutes(1)) with { State = RunState.Succeeded, FinishedAt = T0.AddMinutes(2) };
        var otherJob = await InsertJobAsync(NewJob());
        await InsertRunsAsync(older, newest, NewRun(otherJob.Id, T0.AddMinutes(9)));

        var read = await GetJobAsync(job.Id);

        Assert.Equal(new RunSummary(newest.Id, RunState.Succeeded, newest.ScheduledFor, newest.FinishedAt), read.LastRun);
    }

    [Fact]
    public async Task ListJobsAsync_Paging_NewestFirstWithCursorUntilTheLastPage()
    {
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await InsertJobAsync(NewJob())).Id);
        }

        var pages = await PageJobsAsync(limit: 2);

        ids.Reverse();
        Assert.Equal([ids[..2], ids[2..4], ids[4..]], pages);
    }

    [Fact]
    public async Task ListJobsAsync_ExactMultipleOfLimit_LastFullPageHasNoCursor()
    {
        for (var i = 0; i < 4; i++)
        {
            await InsertJobAsync(NewJob());
        }

        var first = await Driver.ListJobsAsync(new ListJobsParams(2), Ct);
        var second = await Driver.ListJobsAsync(new ListJobsParams(2, first.NextCursor), Ct);

        Assert.Equal(first.Items[^1].Id, first.NextCursor);
        Assert.Equal(2, second.Items.Count);
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task ListJobsAsync_Empty_ReturnsNoItemsAndNoCursor()
    {
        var page = await Driver.ListJobsAsync(new ListJobsParams(10), Ct);

        Assert.Empty(page.Items);
        Assert.Null(page.NextCursor);
    }

    [Fact]
    public async Task ListJobsAsync_TagFilter_ReturnsOnlyJobsWithThatTag()
    {
        var a = await InsertJobAsync(NewJob() with { Tags = ["billing", "nightly"] });
        await InsertJobAsync(NewJob() with { Tags = ["nightly-billing"] });
        var c = await InsertJobAsync(NewJob() with { Tags = ["billing"] });
        await InsertJobAsync(NewJob());

        var pages = await PageJobsAsync(limit: 1, tag: "billing");

        Assert.Equal([[c.Id], [a.Id]], pages);
    }

    [Fact]
    public async Task ListJobsAsync_Search_MatchesNameKeyOrIdIgnoringCase()
    {
        var byName = await InsertJobAsync(NewJob() with { Name = "Nightly-Invoices" });
        var byKey = await InsertJobAsync(NewJob() with { Key = "invoice-42" });
        await InsertJobAsync(NewJob() with { Name = "backup" });
        var byId = await InsertJobAsync(NewJob());

        var invoices = await Driver.ListJobsAsync(new ListJobsParams(10) { Search = "INVOICE" }, Ct);
        var id = await Driver.ListJobsAsync(new ListJobsParams(10) { Search = byId.Id[^8..] }, Ct);
        var none = await Driver.ListJobsAsync(new ListJobsParams(10) { Search = "100%_" }, Ct);

        Assert.Equal([byKey.Id, byName.Id], invoices.Items.Select(j => j.Id));
        Assert.Equal([byId.Id], id.Items.Select(j => j.Id));
        Assert.Empty(none.Items);
    }

    [Fact]
    public async Task ListJobsAsync_PausedFilter_ReturnsOnlyJobsInThatState()
    {
        var paused = await InsertJobAsync(NewJob() with { Paused = true });
        var active = await InsertJobAsync(NewJob());

        Assert.Equal([[paused.Id]], await PageJobsAsync(limit: 10, paused: true));
        Assert.Equal([[active.Id]], await PageJobsAsync(limit: 10, paused: false));
        Assert.Equal([[active.Id, paused.Id]], await PageJobsAsync(limit: 10));
    }

    [Fact]
    public async Task ListJobsAsync_Items_IncludeTheirLastRun()
    {
        var withRun = await InsertJobAsync(NewJob());
        var withoutRun = await InsertJobAsync(NewJob());
        var run = NewRun(withRun.Id, T0.AddMinutes(1));
        await InsertRunsAsync(run);

        var page = await Driver.ListJobsAsync(new ListJobsParams(10), Ct);

        Assert.Equal([withoutRun.Id, withRun.Id], page.Items.Select(j => j.Id));
        Assert.Null(page.Items[0].LastRun);
        Assert.Equal(new RunSummary(run.Id, RunState.Queued, run.ScheduledFor, null), page.Items[1].LastRun);
    }

    [Fact]
    public async Task UpdateJobAsync_ExpectedVersion_ReplacesTheJobAndBumpsTheVersion()
    {
        var job = await InsertJobAsync(NewJob() with { Key = "k", Tenant = "acme", Version = 4 });
        var changed = job with
        {
            Name = "renamed",
            Cron = "*/5 * * * *",
            ScheduleKind = ScheduleKind.Cron,
            Every = null,
            Tags = ["new"],
            Paused = true,
            Priority = 9,
            Retry = new RetryPolicy(TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(1), 3.0, RetryJitter.None),
            MaxConcurrent = 2,
            NextFireAt = T0.AddHours(1),
            UpdatedAt = T0.AddMinutes(3),
            Version = 999,
        };

        var result = await Driver.UpdateJobAsync(new UpdateJobParams(changed, ExpectedVersion: 4), Ct);

        Assert.Equal(UpdateJobOutcome.Updated, result.Outcome);
        var expected = changed with { Version = 5 };
        AssertSameJob(expected, result.Job!);
        AssertSameJob(expected, await GetJobAsync(job.Id));
    }

    [Fact]
    public async Task UpdateJobAsync_IdentityFields_NeverChange()
    {
        var job = await InsertJobAsync(NewJob() with { Key = "k", Tenant = "acme" });

        var result = await Driver.UpdateJobAsync(
            new UpdateJobParams(job with { Tenant = "evil", Key = "other", CreatedAt = T0.AddYears(1), Name = "n" }, job.Version),
            Ct);

        Assert.Equal(UpdateJobOutcome.Updated, result.Outcome);
        var stored = await GetJobAsync(job.Id);
        Assert.Equal(("acme", "k", T0, "n"), (stored.Tenant, stored.Key, stored.CreatedAt, stored.Name));
    }

    [Fact]
    public async Task UpdateJobAsync_StaleVersion_ReturnsConflictAndChangesNothing()
    {
        var job = await InsertJobAsync(NewJob());
        Assert.Equal(UpdateJobOutcome.Updated, (await Driver.UpdateJobAsync(new UpdateJobParams(job with { Name = "v2" }, 1), Ct)).Outcome);

        var stale = await Driver.UpdateJobAsync(new UpdateJobParams(job with { Name = "lost update" }, 1), Ct);

        Assert.Equal(new UpdateJobResult(UpdateJobOutcome.VersionConflict, null), stale);
        var stored = await GetJobAsync(job.Id);
        Assert.Equal(("v2", 2L), (stored.Name, stored.Version));
    }

    [Fact]
    public async Task UpdateJobAsync_UnknownJob_ReturnsNotFound()
    {
        var result = await Driver.UpdateJobAsync(new UpdateJobParams(NewJob(), 1), Ct);

        Assert.Equal(new UpdateJobResult(UpdateJobOutcome.NotFound, null), result);
        Assert.Empty((await Driver.ListJobsAsync(new ListJobsParams(10), Ct)).Items);
    }

    [Fact]
    public async Task DeleteJobAsync_WithRuns_CancelsQueuedRunsAndKeepsTheOthers()
    {
        var job = await InsertJobAsync(NewJob());
        var running = NewRun(job.Id, T0.AddMinutes(-2));
        await InsertRunsAsync(running);
        Assert.Single(await ClaimAsync("node-1", T0));
        var done = NewRun(job.Id, T0.AddMinutes(-1)) with { State = RunState.Succeeded, FinishedAt = T0 };
        var queued = NewRun(job.Id, T0.AddMinutes(1));
        var queuedLater = NewRun(job.Id, T0.AddMinutes(2));
        var otherJobs = NewRun((await InsertJobAsync(NewJob())).Id, T0.AddMinutes(1));
        await InsertRunsAsync(done, queued, queuedLater, otherJobs);
        var deletedAt = T0.AddSeconds(7);

        var result = await Driver.DeleteJobAsync(new DeleteJobParams(job.Id, deletedAt), Ct);

        Assert.Equal(new DeleteJobResult(true, 2), result);
        Assert.Null(await Driver.GetJobAsync(new GetJobParams(job.Id), Ct));
        foreach (var id in new[] { queued.Id, queuedLater.Id })
        {
            var cancelled = await GetRunAsync(id);
            Assert.Equal((RunState.Cancelled, deletedAt, "job deleted"), (cancelled.State, cancelled.FinishedAt, cancelled.Error));
        }

        Assert.Equal(RunState.Running, (await GetRunAsync(running.Id)).State);
        Assert.Equal(done, await GetRunAsync(done.Id));
        Assert.Equal(otherJobs, await GetRunAsync(otherJobs.Id));
    }

    [Fact]
    public async Task DeleteJobAsync_UnknownJob_ReturnsNotDeleted()
    {
        Assert.Equal(new DeleteJobResult(false, 0), await Driver.DeleteJobAsync(new DeleteJobParams(NewId(), T0), Ct));
    }

    [Fact]
    public async Task DeleteJobAsync_ThenInsertWithTheSameKey_CreatesANewJob()
    {
        var job = await InsertJobAsync(NewJob() with { Key = "k" });
        await Driver.DeleteJobAsync(new DeleteJobParams(job.Id, T0), Ct);

        var again = await Driver.InsertJobAsync(new InsertJobParams(NewJob() with { Key = "k" }), Ct);

        Assert.True(again.Created);
        Assert.NotEqual(job.Id, again.Job.Id);
    }
}
