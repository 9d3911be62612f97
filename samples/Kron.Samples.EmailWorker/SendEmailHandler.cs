using System.Net.Mail;
using System.Text.Json;
using Kron.Worker;
using Microsoft.Extensions.Logging;

namespace Kron.Samples.EmailWorker;

/// <summary>
/// Runs <c>email_send</c> jobs from the <c>emails</c> queue. How each case ends:
/// <list type="bullet">
/// <item>payload that is not an e-mail, or an invalid address: <see cref="JobOutcome.Fail"/> (retrying cannot help);</item>
/// <item>an address containing <c>flaky</c>, on attempt 1: <see cref="JobOutcome.Retry"/> (a simulated transient failure);</item>
/// <item>a run whose idempotency key was already delivered: <see cref="JobOutcome.Success"/> without sending again;</item>
/// <item>otherwise: delivered, <see cref="JobOutcome.Success"/>.</item>
/// </list>
/// </summary>
internal sealed class SendEmailHandler(MailOutbox outbox, ILogger<SendEmailHandler> logger) : IJobHandler
{
    public async Task<JobOutcome> HandleAsync(JobContext context, CancellationToken cancellationToken)
    {
        EmailMessage? message;
        try
        {
            message = context.GetPayload(EmailJsonContext.Default.EmailMessage);
        }
        catch (JsonException e)
        {
            return Invalid(context, $"the payload is not an e-mail ({{\"to\", \"subject\", \"body\"}}): {e.Message}");
        }

        if (message is null)
        {
            return Invalid(context, "the job has no payload; it needs {\"to\", \"subject\", \"body\"}");
        }

        if (!MailAddress.TryCreate(message.To, out var address) || address.Address != message.To)
        {
            return Invalid(context, $"\"{message.To}\" is not an e-mail address");
        }

        if (message.To.Contains("flaky", StringComparison.OrdinalIgnoreCase) && context.Attempt == 1)
        {
            Log.TransientFailure(logger, context.RunId, message.To, context.Attempt, context.MaxAttempts);
            return JobOutcome.Retry("simulated transient failure: 421 mail relay busy, try again later", after: TimeSpan.FromSeconds(1));
        }

        // The same run can be delivered to a worker more than once (at-least-once): a completion lost on the way
        // back, or a lease that ran out while the handler was still working. The idempotency key is the same every
        // time, so the second execution finds the key and does not send the mail twice.
        if (!outbox.TryReserve(context.IdempotencyKey))
        {
            Log.DuplicateSkipped(logger, context.RunId, message.To, context.IdempotencyKey);
            return JobOutcome.Success() with { Output = $"already sent to {message.To}; duplicate skipped" };
        }

        try
        {
            await outbox.DeliverAsync(context.IdempotencyKey, message, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Not delivered (cancelled, or the outbox file failed): let the next attempt send it. The exception
            // flows on: cancellation is reported by the worker, anything else is a retryable failure.
            outbox.Release(context.IdempotencyKey);
            throw;
        }

        Log.Sent(logger, context.RunId, message.To, message.Subject, context.Attempt);
        return JobOutcome.Success() with { Output = $"sent to {message.To}: {message.Subject}" };
    }

    private JobOutcome Invalid(JobContext context, string error)
    {
        Log.Rejected(logger, context.RunId, error);
        return JobOutcome.Fail(error);
    }
}
