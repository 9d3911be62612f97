using Quartz;
using Quartz.Extensibility;

namespace Kron.QuartzPeer;

/// <summary>Builds the Quartz.NET scheduler under test, configured the way a user would: defaults unless a flag says otherwise.</summary>
internal static class PeerScheduler
{
    public static async Task<IScheduler> BuildAsync(PeerSettings settings, IJobFactory jobFactory, CancellationToken cancellationToken)
    {
        var builder = QuartzSchedulerBuilder.Create(quartz =>
        {
            quartz.ConfigureScheduler(scheduler =>
            {
                scheduler.InstanceName = "KronQuartzPeer";
                // A clustered node needs an instance id of its own.
                scheduler.GenerateInstanceId = settings.Store == "postgres";
            });
            if (settings.Threads is { } threads)
            {
                quartz.UseDefaultThreadPool(threads);
            }

            quartz.UseJobFactory(jobFactory);
            if (settings.Store == "ram")
            {
                quartz.UseInMemoryStore(_ => { });
            }
            else
            {
                quartz.UsePersistentStore(store =>
                {
                    // UsePostgres: the Npgsql provider and PostgreSQLDelegate.
                    store.UsePostgres(settings.Connection!);
                    store.UseClustering(clustering => clustering.Enabled = true);
                    // Creates the tables that are missing, from the schema shipped inside the 4.7.3 package.
                    store.ProvisionSchema();
                });
            }
        });
        return await builder.BuildScheduler(cancellationToken).ConfigureAwait(false);
    }
}
