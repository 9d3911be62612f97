using System.Text.Json.Serialization;
using Kron.Worker.Testing;

namespace Kron.Worker.Tests;

public sealed partial class JobContextTests
{
    [Fact]
    public void GetPayload_SourceGenerated_ReadsThePayload()
    {
        var context = TestJobContext.Create(payload: TestJobContext.Payload("""{"to":"a@example.com","count":2}"""));

        var payload = context.GetPayload(PayloadContext.Default.EmailPayload);

        Assert.Equal(new EmailPayload("a@example.com", 2), payload);
    }

    [Fact]
    public void GetPayload_Reflection_ReadsSnakeCaseAndSkipsUnknownFields()
    {
        var context = TestJobContext.Create(payload: TestJobContext.Payload("""{"user_id":7,"extra":true}"""));

        Assert.Equal(7, context.GetPayload<UserPayload>()!.UserId);
    }

    [Fact]
    public void GetPayload_NoPayload_IsDefault()
    {
        var context = TestJobContext.Create();

        Assert.Null(context.GetPayload<UserPayload>());
        Assert.Null(context.GetPayload(PayloadContext.Default.EmailPayload));
    }

    [Fact]
    public void Create_Defaults_IdempotencyKeyIsTheRunIdAndAttemptsAddUp()
    {
        var context = TestJobContext.Create("email_send", attempt: 4, maxAttempts: 4, runId: "run_1");

        Assert.Equal("run_1", context.IdempotencyKey);
        Assert.Equal("email_send", context.JobType);
        Assert.True(context.IsLastAttempt);
    }

    [Fact]
    public void Payload_Value_SerializesWithTheApiNames()
    {
        var payload = TestJobContext.Payload(new UserPayload { UserId = 3 });

        Assert.Equal("""{"user_id":3}""", payload.GetRawText());
    }

    public sealed record EmailPayload(string To, int Count);

    public sealed class UserPayload
    {
        public int UserId { get; init; }
    }

    [JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
    [JsonSerializable(typeof(EmailPayload))]
    internal sealed partial class PayloadContext : JsonSerializerContext;
}
