using Quartz;
using Quartz.Extensibility;

namespace Kron.QuartzPeer;

/// <summary>The measured job: records its start and returns (the peer's counterpart of Kron's <c>noop</c> executor).</summary>
internal sealed class NoopJob(FireRecorder recorder) : IJob
{
    public ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken = default)
    {
        recorder.Record(context.JobDetail.Key.Name, context.ScheduledFireTimeUtc);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Hands Quartz the one <see cref="NoopJob"/> for every fire: no construction per fire, nothing to dispose.</summary>
internal sealed class NoopJobFactory(NoopJob job) : IJobFactory
{
    public ValueTask<JobScope> CreateJob(TriggerFiredBundle bundle, IScheduler scheduler, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(new JobScope(job, null));

    public ValueTask ReturnJob(JobScope scope, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
