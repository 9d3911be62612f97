using Kron.Core.Model;

namespace Kron.Storage.Conformance;

/// <summary>The run counts behind the metrics gauges: queued (for nodes and workers), running and dead.</summary>
public abstract partial class StorageConformanceTests
{
    [Fact]
    public async Task CountRunsAsync_MixedStates_CountsQueuedRunningAndDeadOnly()
    {
        var job = await InsertJobAsync(NewJob());
        await InsertRunsAsync(
            NewRun(job.Id, T0),
            NewRun(job.Id, T0.AddMinutes(1)) with { Queue = "mail" },
            NewRun(job.Id, T0.AddMinutes(2)) with { State = RunState.Running, LeaseOwner = "node-1", LeaseToken = "t", LeaseExpiresAt = T0.AddHours(1) },
            NewRun(job.Id, T0.AddMinutes(3)) with { State = RunState.Dead, FinishedAt = T0 },
            NewRun(job.Id, T0.AddMinutes(4)) with { State = RunState.Dead, FinishedAt = T0 },
            NewRun(job.Id, T0.AddMinutes(5)) with { State = RunState.Succeeded, FinishedAt = T0 },
            NewRun(job.Id, T0.AddMinutes(6)) with { State = RunState.Skipped, FinishedAt = T0, SkipReason = "misfire skip" });

        var counts = await Driver.CountRunsAsync(new CountRunsParams(), Ct);

        Assert.Equal(new CountRunsResult(Queued: 2, Running: 1, Dead: 2), counts);
    }

    [Fact]
    public async Task CountRunsAsync_Empty_IsAllZero()
    {
        Assert.Equal(new CountRunsResult(0, 0, 0), await Driver.CountRunsAsync(new CountRunsParams(), Ct));
    }
}
