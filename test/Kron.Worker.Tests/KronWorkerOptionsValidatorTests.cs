using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Kron.Worker.Tests;

public sealed class KronWorkerOptionsValidatorTests
{
    private static KronWorkerOptions Valid() => new() { ServerUrl = "http://127.0.0.1:7070", Queues = { new KronWorkerQueueOptions { Name = "emails", Concurrency = 4 } } };

    private static IReadOnlyList<string> Failures(KronWorkerOptions options) =>
        new KronWorkerOptionsValidator().Validate(null, options).Failures?.ToList() ?? [];

    [Fact]
    public void Validate_Defaults_HaveAMachineAndPidWorkerIdAndTheServerDefaults()
    {
        var options = Valid();

        Assert.Empty(Failures(options));
        Assert.EndsWith(":" + Environment.ProcessId, options.WorkerId, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.FromSeconds(20), options.LeaseWait);
        Assert.Null(options.HeartbeatInterval);
    }

    [Theory]
    [InlineData(null, "KronWorkerOptions.ServerUrl is required")]
    [InlineData("", "KronWorkerOptions.ServerUrl is required")]
    [InlineData("127.0.0.1:7070", "KronWorkerOptions.ServerUrl: \"127.0.0.1:7070\" is not a server URL")]
    [InlineData("ftp://kron", "KronWorkerOptions.ServerUrl: \"ftp://kron\" is not a server URL")]
    public void Validate_BadServerUrl_NamesTheOption(string? url, string message)
    {
        var options = Valid();
        options.ServerUrl = url;

        Assert.Contains(Failures(options), f => f.StartsWith(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("slash/name")]
    public void Validate_BadWorkerId_SaysWhichCharactersAreAllowed(string workerId)
    {
        var options = Valid();
        options.WorkerId = workerId;

        var failure = Assert.Single(Failures(options));
        Assert.Contains("KronWorkerOptions.WorkerId", failure, StringComparison.Ordinal);
        Assert.Contains("letters, digits", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoQueue_AsksForAddQueue()
    {
        var options = new KronWorkerOptions { ServerUrl = "http://127.0.0.1:7070" };

        Assert.Equal(["KronWorkerOptions.Queues is empty: add at least one queue with AddQueue(\"name\", concurrency)"], Failures(options));
    }

    [Fact]
    public void Validate_BadQueues_NameEachQueueAndProblem()
    {
        var options = Valid();
        options.Queues.Add(new KronWorkerQueueOptions { Name = "emails", Concurrency = 1 });
        options.Queues.Add(new KronWorkerQueueOptions { Name = "-bad", Concurrency = 0 });

        var failures = Failures(options);

        Assert.Contains(failures, f => f.Contains("\"-bad\" is not a queue name", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("queue \"-bad\" has Concurrency 0: it must be at least 1", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains("queue \"emails\" is added 2 times", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadDurations_NameEachOption()
    {
        var options = Valid();
        options.LeaseWait = TimeSpan.FromSeconds(61);
        options.HeartbeatInterval = TimeSpan.Zero;
        options.ShutdownTimeout = TimeSpan.FromSeconds(-1);
        options.RequestTimeout = TimeSpan.Zero;

        var failures = Failures(options);

        Assert.Contains(failures, f => f.StartsWith("KronWorkerOptions.LeaseWait is 00:01:01: it must be between 0 and 60 seconds", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KronWorkerOptions.HeartbeatInterval", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KronWorkerOptions.ShutdownTimeout", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("KronWorkerOptions.RequestTimeout", StringComparison.Ordinal));
    }

    [Fact]
    public void AddKronWorker_InvalidOptions_FailWhenResolvedWithEveryMessage()
    {
        var services = new ServiceCollection();
        services.AddKronWorker(o => o.ServerUrl = "nope").AddHandler<NoopHandler>("t");
        using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<KronWorkerOptions>>().Value);

        Assert.Contains("KronWorkerOptions.ServerUrl", e.Message, StringComparison.Ordinal);
        Assert.Contains("KronWorkerOptions.Queues is empty", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddHandler_SameJobTypeTwice_Throws()
    {
        var builder = new ServiceCollection().AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070").AddHandler<NoopHandler>("email_send");

        var e = Assert.Throws<InvalidOperationException>(() => builder.AddHandler<NoopHandler>("email_send"));

        Assert.Contains("job type \"email_send\" already has a handler", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddQueue_AddsToTheOptions()
    {
        var services = new ServiceCollection();
        services.AddKronWorker(o => o.ServerUrl = "http://127.0.0.1:7070").AddQueue("emails", concurrency: 8).AddQueue("reports");
        using var provider = services.BuildServiceProvider();

        var queues = provider.GetRequiredService<IOptions<KronWorkerOptions>>().Value.Queues;

        Assert.Equal([("emails", 8), ("reports", 1)], queues.Select(q => (q.Name, q.Concurrency)));
    }

    private sealed class NoopHandler : IJobHandler
    {
        public Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken) => Task.FromResult(JobOutcome.Success());
    }
}
