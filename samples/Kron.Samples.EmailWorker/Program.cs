using Kron.Samples.EmailWorker;
using Microsoft.Extensions.Hosting;

// A Kron worker in a generic host: it leases runs of queue "emails" (4 at a time) and executes job type
// "email_send" with SendEmailHandler. Settings come from appsettings.json, then the environment
// (Kron__Worker__ServerUrl, Kron__Worker__WorkerId, Email__OutboxFile, ...), then the command line
// (--Kron:Worker:ServerUrl=...). Ctrl+C stops leasing and lets running handlers finish (KronWorkerOptions.ShutdownTimeout).
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    // appsettings.json sits beside the program, wherever `dotnet run` is started from.
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Services.AddEmailWorker(builder.Configuration);

using var host = builder.Build();
await host.RunAsync().ConfigureAwait(false);
