using Kron.Samples.EmailWorker;
using Kron.Worker;
using Kron.Worker.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Samples.Tests;

/// <summary>
/// How to test a handler without a server: the sample's own registration (<c>AddEmailWorker</c>), resolved per run
/// the way the worker resolves it, driven by <see cref="JobHandlerTester"/> and checked with <see cref="KronAssert"/>.
/// </summary>
public sealed class SendEmailHandlerTests : IDisposable
{
    private readonly string _outboxFile = Path.Combine(Path.GetTempPath(), $"kron-samples-{Guid.NewGuid():N}.txt");
    private readonly ServiceProvider _services;
    private readonly JobHandlerTester _tester;

    public SendEmailHandlerTests()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Email:OutboxFile"] = _outboxFile })
            .Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddEmailWorker(configuration);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        _tester = JobHandlerTester.FromServices(_services, EmailWorkerServiceCollectionExtensions.JobType);
    }

    public void Dispose()
    {
        _services.Dispose();
        File.Delete(_outboxFile);
    }

    [Fact]
    public async Task HandleAsync_ValidEmail_SendsItAndSucceeds()
    {
        var outcome = await _tester.RunAsync(Email("grace@example.com"));

        KronAssert.Succeeded(outcome);
        Assert.Contains("sent to grace@example.com", outcome.Output, StringComparison.Ordinal);
        Assert.Contains("grace@example.com\tWelcome", Assert.Single(SentLines()), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandleAsync_SameRunExecutedTwice_SendsOnce()
    {
        var first = await _tester.RunAsync(Email("grace@example.com", runId: "run_duplicate"));
        var second = await _tester.RunAsync(Email("grace@example.com", runId: "run_duplicate"));

        KronAssert.Succeeded(first);
        KronAssert.Succeeded(second);
        Assert.Contains("duplicate skipped", second.Output, StringComparison.Ordinal);
        Assert.Single(SentLines());
    }

    [Fact]
    public async Task HandleAsync_InvalidAddress_FailsWithoutRetry()
    {
        var outcome = await _tester.RunAsync(Email("not-an-address"));

        KronAssert.Failed(outcome, "is not an e-mail address");
        Assert.Empty(SentLines());
    }

    [Fact]
    public async Task HandleAsync_PayloadWithoutRecipient_FailsWithoutRetry()
    {
        var context = TestJobContext.Create(
            EmailWorkerServiceCollectionExtensions.JobType,
            TestJobContext.Payload("""{"subject": "Hi", "body": "no recipient"}"""));

        var outcome = await _tester.RunAsync(context);

        KronAssert.Failed(outcome, "the payload is not an e-mail");
    }

    [Fact]
    public async Task HandleAsync_FlakyAddress_RetriesAttemptOneAndSendsOnAttemptTwo()
    {
        var first = await _tester.RunAsync(Email("flaky@example.com", runId: "run_flaky", attempt: 1));
        var second = await _tester.RunAsync(Email("flaky@example.com", runId: "run_flaky", attempt: 2));

        KronAssert.Retried(first, "transient", after: TimeSpan.FromSeconds(1));
        KronAssert.Succeeded(second);
        Assert.Single(SentLines());
    }

    [Fact]
    public async Task HandleAsync_CancelledWhileSending_StopsAndTheNextAttemptSends()
    {
        var run = _tester.Start(Email("grace@example.com", runId: "run_cancelled"));
        run.RequestCancellation();
        KronAssert.Cancelled(await run.Outcome);
        Assert.Empty(SentLines());

        var retried = await _tester.RunAsync(Email("grace@example.com", runId: "run_cancelled", attempt: 2));

        KronAssert.Succeeded(retried);
        Assert.Single(SentLines());
    }

    private static JobContext Email(string to, string? runId = null, int attempt = 1) => TestJobContext.Create(
        EmailWorkerServiceCollectionExtensions.JobType,
        TestJobContext.Payload($$"""{"to": "{{to}}", "subject": "Welcome", "body": "Your account is ready."}"""),
        attempt: attempt,
        queue: EmailWorkerServiceCollectionExtensions.Queue,
        runId: runId);

    private string[] SentLines() => File.Exists(_outboxFile) ? File.ReadAllLines(_outboxFile) : [];
}
