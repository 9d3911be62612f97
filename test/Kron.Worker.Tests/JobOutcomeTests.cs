using System.Text.Json;
using Kron.Client;
using Kron.Protocol;

namespace Kron.Worker.Tests;

public sealed class JobOutcomeTests
{
    public static TheoryData<JobOutcome, string> Completions => new()
    {
        { JobOutcome.Success(), """{"lease_token":"t","status":"succeeded"}""" },
        { JobOutcome.Success() with { Output = "sent 3" }, """{"lease_token":"t","status":"succeeded","output":"sent 3"}""" },
        { JobOutcome.Retry("smtp down"), """{"lease_token":"t","status":"failed","error":"smtp down"}""" },
        { JobOutcome.Retry("rate limited", TimeSpan.FromMinutes(1)), """{"lease_token":"t","status":"failed","error":"rate limited","retry_after":"PT1M"}""" },
        { JobOutcome.Fail("no such user"), """{"lease_token":"t","status":"failed","error":"no such user","retry":false}""" },
        { JobOutcome.Snooze(TimeSpan.FromSeconds(30)), """{"lease_token":"t","status":"snoozed","snooze":"PT30S"}""" },
        { JobOutcome.Snooze(TimeSpan.Zero), """{"lease_token":"t","status":"snoozed","snooze":"PT0S"}""" },
        { JobOutcome.Cancelled, """{"lease_token":"t","status":"cancelled"}""" },
    };

    [Theory]
    [MemberData(nameof(Completions))]
    public void ToCompleteRequest_EachOutcome_IsTheContractsBody(JobOutcome outcome, string json)
    {
        var body = JsonSerializer.Serialize(outcome.ToCompleteRequest("t"), ProtocolJsonContext.Default.CompleteRequest);

        Assert.Equal(json, body);
    }

    [Fact]
    public void Factories_OutOfRange_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => JobOutcome.Snooze(TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobOutcome.Snooze(TimeSpan.FromDays(8)));
        Assert.Throws<ArgumentOutOfRangeException>(() => JobOutcome.Retry("x", TimeSpan.FromSeconds(-1)));
        Assert.Throws<ArgumentException>(() => JobOutcome.Retry(" "));
        Assert.Throws<ArgumentException>(() => JobOutcome.Fail(""));
    }

    [Fact]
    public void ToString_SaysKindErrorAndDelay()
    {
        Assert.Equal("Success", JobOutcome.Success().ToString());
        Assert.Equal("Retry (after PT5S): boom", JobOutcome.Retry("boom", TimeSpan.FromSeconds(5)).ToString());
        Assert.Equal("Fail: bad input", JobOutcome.Fail("bad input").ToString());
        Assert.Equal("Snooze PT1M", JobOutcome.Snooze(TimeSpan.FromMinutes(1)).ToString());
    }

    [Fact]
    public void Outcomes_WithEqualFields_AreEqual()
    {
        Assert.Equal(JobOutcome.Retry("a", TimeSpan.FromSeconds(1)), JobOutcome.Retry("a", TimeSpan.FromSeconds(1)));
        Assert.NotEqual(JobOutcome.Retry("a"), JobOutcome.Fail("a"));
    }

    [Theory]
    [InlineData(20, 100, 20)]
    [InlineData(20, 15, 5)]
    [InlineData(60, 30, 20)]
    [InlineData(20, 5, 0)]
    public void FitLeaseWait_ShortHttpTimeout_ShortensTheWaitToAnswerInTime(int waitSeconds, int timeoutSeconds, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), KronClient.FitLeaseWait(TimeSpan.FromSeconds(waitSeconds), TimeSpan.FromSeconds(timeoutSeconds)));
        Assert.Equal(TimeSpan.FromSeconds(waitSeconds), KronClient.FitLeaseWait(TimeSpan.FromSeconds(waitSeconds), Timeout.InfiniteTimeSpan));
    }
}
