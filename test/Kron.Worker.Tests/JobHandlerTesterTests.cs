using Kron.Worker.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Worker.Tests;

public sealed class JobHandlerTesterTests
{
    [Fact]
    public async Task RunAsync_HandlerReturns_IsItsOutcome()
    {
        var tester = new JobHandlerTester(new DelegateHandler((c, _) => Task.FromResult(c.Attempt < 3 ? JobOutcome.Retry("not yet", TimeSpan.FromSeconds(5)) : JobOutcome.Success())));

        KronAssert.Retried(await tester.RunAsync(TestJobContext.Create(attempt: 1)), "not yet", TimeSpan.FromSeconds(5));
        KronAssert.Succeeded(await tester.RunAsync(TestJobContext.Create(attempt: 3)));
    }

    [Fact]
    public async Task RunAsync_HandlerThrows_IsARetryWithTypeAndMessage()
    {
        var tester = new JobHandlerTester(new DelegateHandler((_, _) => throw new InvalidOperationException("smtp down")));

        var outcome = await tester.RunAsync(TestJobContext.Create());

        KronAssert.Retried(outcome, "System.InvalidOperationException: smtp down");
    }

    [Fact]
    public async Task RunAsync_HandlerThrowsOperationCanceledOfItsOwn_IsARetryNotACancellation()
    {
        var tester = new JobHandlerTester(new DelegateHandler((_, _) => throw new TaskCanceledException("http timeout")));

        KronAssert.Retried(await tester.RunAsync(TestJobContext.Create()), "http timeout");
    }

    [Fact]
    public async Task Start_RequestCancellation_HandlerThatStopsEndsCancelled()
    {
        var started = new TaskCompletionSource();
        var tester = new JobHandlerTester(new DelegateHandler(async (_, token) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, token);
            return JobOutcome.Success();
        }));

        var run = tester.Start(TestJobContext.Create());
        await started.Task;
        run.RequestCancellation();

        KronAssert.Cancelled(await run.Outcome);
    }

    [Theory]
    [InlineData("shutdown", "Snooze PT0S")]
    [InlineData("timeout", "Retry: timed out after PT30S")]
    [InlineData("lease lost", "Cancelled")]
    public async Task Start_StoppedWhileRunning_EndsAsTheWorkerWouldReportIt(string what, string outcome)
    {
        var run = new JobHandlerTester(new DelegateHandler(WaitForCancellationAsync)).Start(TestJobContext.Create(timeout: TimeSpan.FromSeconds(30)));

        Action stop = what switch
        {
            "shutdown" => run.Shutdown,
            "timeout" => run.TimeOut,
            _ => run.LoseLease,
        };
        stop();

        Assert.Equal(outcome, (await run.Outcome).ToString());
    }

    [Fact]
    public async Task FromServices_RegisteredHandler_ResolvesItWithItsDependenciesPerRun()
    {
        var services = new ServiceCollection();
        services.AddScoped<Counter>();
        services.AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070").AddQueue("emails").AddHandler<CountingHandler>("email_send");
        var tester = JobHandlerTester.FromServices(services, "email_send");

        var first = await tester.RunAsync(TestJobContext.Create("email_send"));
        var second = await tester.RunAsync(TestJobContext.Create("email_send"));

        // A scope per run: the scoped counter starts over each time.
        Assert.Equal(JobOutcome.Success() with { Output = "1" }, first);
        Assert.Equal(JobOutcome.Success() with { Output = "1" }, second);
    }

    [Fact]
    public void FromServices_UnknownJobType_ListsTheRegisteredOnes()
    {
        var services = new ServiceCollection();
        services.AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070").AddHandler<CountingHandler>("email_send");

        var e = Assert.Throws<InvalidOperationException>(() => JobHandlerTester.FromServices(services, "sms_send"));

        Assert.Contains("no handler for job type \"sms_send\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("it handles email_send", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromServices_MissingDependency_FailsWithTheContainersMessage()
    {
        var services = new ServiceCollection();
        services.AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070").AddHandler<CountingHandler>("email_send");

        var e = Assert.Throws<InvalidOperationException>(() => JobHandlerTester.FromServices(services, "email_send"));

        Assert.Contains(nameof(Counter), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void KronAssert_WrongOutcome_SaysWhatWasExpectedAndWhatHappened()
    {
        var e = Assert.Throws<JobOutcomeAssertionException>(() => KronAssert.Succeeded(JobOutcome.Retry("smtp down", TimeSpan.FromSeconds(5))));
        Assert.Equal("expected the handler to succeed, but it ended with a retryable failure: smtp down (retry after PT5S)", e.Message);

        e = Assert.Throws<JobOutcomeAssertionException>(() => KronAssert.Failed(JobOutcome.Fail("bad input"), "smtp"));
        Assert.Equal("expected the error to contain \"smtp\", but it is \"bad input\"", e.Message);

        e = Assert.Throws<JobOutcomeAssertionException>(() => KronAssert.Snoozed(JobOutcome.Snooze(TimeSpan.FromSeconds(1)), TimeSpan.FromMinutes(1)));
        Assert.Equal("expected a snooze of PT1M, but the handler snoozed for PT1S", e.Message);

        e = Assert.Throws<JobOutcomeAssertionException>(() => KronAssert.Cancelled(JobOutcome.Success()));
        Assert.Equal("expected the handler to stop as cancelled, but it ended with success", e.Message);
    }

    private static async Task<JobOutcome> WaitForCancellationAsync(JobContext context, CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, TimeProvider.System, cancellationToken);
        return JobOutcome.Success();
    }

    private sealed class DelegateHandler(Func<JobContext, CancellationToken, Task<JobOutcome>> handle) : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken) => handle(context, cancellationToken);
    }

    private sealed class Counter
    {
        public int Value { get; set; }
    }

    private sealed class CountingHandler(Counter counter) : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
        {
            counter.Value++;
            return Task.FromResult(JobOutcome.Success() with { Output = counter.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
    }
}
