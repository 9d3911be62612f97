using Kron.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Kron.Samples.EmailWorker;

/// <summary>The sample's one DI entry point, shared by Program.cs and the sample's tests.</summary>
internal static class EmailWorkerServiceCollectionExtensions
{
    /// <summary>The queue the handler's jobs name in <c>target.queue</c>.</summary>
    public const string Queue = "emails";

    /// <summary>The job type the handler runs (<c>target.job_type</c>).</summary>
    public const string JobType = "email_send";

    /// <summary>The server the worker calls when configuration names none.</summary>
    public const string DefaultServerUrl = "http://127.0.0.1:7070";

    /// <summary>
    /// Adds a Kron worker that leases runs of queue <see cref="Queue"/>, four at a time, and runs
    /// <see cref="JobType"/> with <see cref="SendEmailHandler"/>. Worker options are read from section
    /// <c>Kron:Worker</c> (<see cref="KronWorkerOptions"/> property names), the outbox from section <c>Email</c>.
    /// </summary>
    public static KronWorkerBuilder AddEmailWorker(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MailOutboxOptions>().Bind(configuration.GetSection(MailOutboxOptions.SectionName));
        services.AddSingleton<MailOutbox>();
        return services
            .AddKronWorker(o =>
            {
                o.ServerUrl = DefaultServerUrl;
                // The queue is added in code (AddQueue below): a Kron:Worker:Queues section would add more, and the same
                // queue twice fails validation when the host starts.
                configuration.GetSection("Kron:Worker").Bind(o);
            })
            .AddQueue(Queue, concurrency: 4)
            .AddHandler<SendEmailHandler>(JobType);
    }
}
