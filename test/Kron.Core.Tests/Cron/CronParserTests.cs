using Kron.Core.Cron;

namespace Kron.Core.Tests.Cron;

/// <summary>
/// spec/cron.md Part A "Rejected with a clear error": each rejection is a <see cref="CronFormatException"/> whose
/// <see cref="CronFormatException.Field"/>, <see cref="CronFormatException.Token"/> and message name the field, the
/// offending text and the reason.
/// </summary>
public sealed class CronParserTests
{
    [Theory]
    // Step 0 and bad steps.
    [InlineData("*/0 * * * *", CronField.Minute, "*/0", "step of 0")]
    [InlineData("0 1-5/0 * * *", CronField.Hour, "1-5/0", "step of 0")]
    [InlineData("0 0 1/0 * *", CronField.DayOfMonth, "1/0", "step of 0")]
    [InlineData("*/ * * * *", CronField.Minute, "*/", "whole number")]
    [InlineData("*/x * * * *", CronField.Minute, "*/x", "whole number")]
    [InlineData("0 0 * * */mon", CronField.DayOfWeek, "*/mon", "whole number")]
    [InlineData("*/-5 * * * *", CronField.Minute, "*/-5", "whole number")]
    // Values out of range.
    [InlineData("60 * * * *", CronField.Minute, "60", "out of range")]
    [InlineData("0-60 * * * *", CronField.Minute, "0-60", "out of range")]
    [InlineData("0 24 * * *", CronField.Hour, "24", "out of range")]
    [InlineData("0 0 0 * *", CronField.DayOfMonth, "0", "out of range")]
    [InlineData("0 0 32 * *", CronField.DayOfMonth, "32", "out of range")]
    [InlineData("0 0 * 0 *", CronField.Month, "0", "out of range")]
    [InlineData("0 0 * 13 *", CronField.Month, "13", "out of range")]
    [InlineData("0 0 * * 8", CronField.DayOfWeek, "8", "out of range")]
    [InlineData("99999999999 * * * *", CronField.Minute, "99999999999", "out of range")]
    [InlineData("0 0 L-31 * *", CronField.DayOfMonth, "L-31", "out of range")]
    [InlineData("0 0 32W * *", CronField.DayOfMonth, "32W", "out of range")]
    [InlineData("0 0 0W * *", CronField.DayOfMonth, "0W", "out of range")]
    [InlineData("0 0 * * 1#6", CronField.DayOfWeek, "1#6", "out of range")]
    [InlineData("0 0 * * 1#0", CronField.DayOfWeek, "1#0", "out of range")]
    [InlineData("0 0 * * 8#1", CronField.DayOfWeek, "8#1", "out of range")]
    [InlineData("0 0 * * 8L", CronField.DayOfWeek, "8L", "out of range")]
    [InlineData("H(0-60) * * * *", CronField.Minute, "H(0-60)", "out of range")]
    // Full names, and names where they do not belong.
    [InlineData("0 0 * * monday", CronField.DayOfWeek, "monday", "full names")]
    [InlineData("0 0 * * mon-friday", CronField.DayOfWeek, "mon-friday", "full names")]
    [InlineData("0 0 1 january *", CronField.Month, "january", "full names")]
    [InlineData("0 0 * * mo", CronField.DayOfWeek, "mo", "not a value")]
    [InlineData("0 0 * mon *", CronField.Month, "mon", "not a value")]
    [InlineData("0 0 * * jan", CronField.DayOfWeek, "jan", "not a value")]
    [InlineData("mon * * * *", CronField.Minute, "mon", "not a number")]
    [InlineData("0 0 jan * *", CronField.DayOfMonth, "jan", "not a number")]
    // Empty list items and missing values.
    [InlineData("0,,5 * * * *", CronField.Minute, "0,,5", "empty item")]
    [InlineData("0, * * * *", CronField.Minute, "0,", "empty item")]
    [InlineData("0 ,1 * * *", CronField.Hour, ",1", "empty item")]
    [InlineData("0 0 * * ,", CronField.DayOfWeek, ",", "empty item")]
    [InlineData("-5 * * * *", CronField.Minute, "-5", "missing")]
    [InlineData("5- * * * *", CronField.Minute, "5-", "missing")]
    // Reversed ranges.
    [InlineData("0 0 * * fri-mon", CronField.DayOfWeek, "fri-mon", "backwards")]
    [InlineData("0 0 * * 7-1", CronField.DayOfWeek, "7-1", "backwards")]
    [InlineData("0 22-2 * * *", CronField.Hour, "22-2", "backwards")]
    [InlineData("5-0 * * * *", CronField.Minute, "5-0", "backwards")]
    [InlineData("0 0 20-10 * *", CronField.DayOfMonth, "20-10", "backwards")]
    [InlineData("0 0 * dec-feb *", CronField.Month, "dec-feb", "backwards")]
    [InlineData("H(10-5) * * * *", CronField.Minute, "H(10-5)", "backwards")]
    // H without a seed, and malformed H.
    [InlineData("H * * * *", CronField.Minute, "H", "seed")]
    [InlineData("0 H(1-3) * * *", CronField.Hour, "H(1-3)", "seed")]
    [InlineData("0 0 H/2 * *", CronField.DayOfMonth, "H/2", "seed")]
    [InlineData("H5 * * * *", CronField.Minute, "H5", "parentheses")]
    [InlineData("H(5) * * * *", CronField.Minute, "H(5)", "range a-b")]
    [InlineData("H(1-5 * * * *", CronField.Minute, "H(1-5", "parentheses")]
    // L, W and # outside their fields.
    [InlineData("L * * * *", CronField.Minute, "L", "L is only allowed")]
    [InlineData("0 L * * *", CronField.Hour, "L", "L is only allowed")]
    [InlineData("0 0 * L *", CronField.Month, "L", "L is only allowed")]
    [InlineData("0 0 * * L", CronField.DayOfWeek, "L", "L is only allowed")]
    [InlineData("0 0 * * LW", CronField.DayOfWeek, "LW", "L is only allowed")]
    [InlineData("0 0 5L * *", CronField.DayOfMonth, "5L", "L is only allowed")]
    [InlineData("0 0 1#2 * *", CronField.DayOfMonth, "1#2", "# is only allowed")]
    [InlineData("1#2 * * * *", CronField.Minute, "1#2", "# is only allowed")]
    [InlineData("0 0 * 1#2 *", CronField.Month, "1#2", "# is only allowed")]
    [InlineData("5W * * * *", CronField.Minute, "5W", "not a number")]
    [InlineData("0 0 * * 5W", CronField.DayOfWeek, "5W", "not a value")]
    [InlineData("0 0 L-x * *", CronField.DayOfMonth, "L-x", "must be a number")]
    [InlineData("0 0 * * x#1", CronField.DayOfWeek, "x#1", "not a value")]
    // A star followed by anything but /step.
    [InlineData("*5 * * * *", CronField.Minute, "*5", "followed by /step")]
    [InlineData("0 ** * * *", CronField.Hour, "**", "followed by /step")]
    [InlineData("0 0 *-3 * *", CronField.DayOfMonth, "*-3", "followed by /step")]
    // ? outside the day fields, or in a list.
    [InlineData("? * * * *", CronField.Minute, "?", "only allowed in the day-of-month and day-of-week")]
    [InlineData("0 ? * * *", CronField.Hour, "?", "only allowed in the day-of-month and day-of-week")]
    [InlineData("0 0 * ? *", CronField.Month, "?", "only allowed in the day-of-month and day-of-week")]
    [InlineData("0 0 ?,1 * *", CronField.DayOfMonth, "?,1", "stands alone")]
    [InlineData("0 0 * * ?/2", CronField.DayOfWeek, "?/2", "not a value")]
    public void Parse_InvalidField_NamesTheFieldTheTextAndTheReason(string expression, CronField field, string token, string reason)
    {
        var error = Assert.Throws<CronFormatException>(() => CronExpression.Parse(expression));
        Assert.Equal(field, error.Field);
        Assert.Equal(token, error.Token);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(FieldName(field) + " field", error.Message, StringComparison.Ordinal);
        Assert.Contains($"\"{token}\"", error.Message, StringComparison.Ordinal);
        Assert.Contains(error.Reason, error.Message, StringComparison.Ordinal);
        Assert.Contains(expression.Trim(), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("* * * * * *", "*", "sixth field")]
    [InlineData("0 0 * * * 5", "5", "sixth field")]
    [InlineData("0 0 1 1 * 2025", "2025", "sixth field")]
    [InlineData("@Daily", "@Daily", "lower case; write @daily")]
    [InlineData("@HOURLY", "@HOURLY", "lower case; write @hourly")]
    [InlineData("@every_minute", "@every_minute", "unknown macro")]
    [InlineData("@", "@", "unknown macro")]
    [InlineData("@reboot", "@reboot", "crontab files")]
    [InlineData("@daily 5", "5", "nothing may follow")]
    [InlineData("0 0 * *", null, "4 fields")]
    [InlineData("*", null, "1 field")]
    [InlineData("", null, "empty")]
    [InlineData("   \t ", null, "empty")]
    public void Parse_InvalidExpression_NamesTheTextAndTheReason(string expression, string? token, string reason)
    {
        var error = Assert.Throws<CronFormatException>(() => CronExpression.Parse(expression));
        Assert.Null(error.Field);
        Assert.Equal(token, error.Token);
        Assert.Contains(reason, error.Reason, StringComparison.Ordinal);
        Assert.Contains(error.Reason, error.Message, StringComparison.Ordinal);
        if (token is not null)
        {
            Assert.Contains($"\"{token}\"", error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0 0 * * sat-sun", 0b100_0001)]
    [InlineData("0 0 * * sat-0", 0b100_0001)]
    [InlineData("0 0 * * SAT-SUN", 0b100_0001)]
    [InlineData("0 0 * * fri-0", 0b110_0001)]
    [InlineData("0 0 * * 6-7", 0b100_0001)]
    [InlineData("0 0 * * 0-7", 0b111_1111)]
    [InlineData("0 0 * * 7", 0b000_0001)]
    [InlineData("0 0 * * */7", 0b000_0001)]
    [InlineData("0 0 * * */8", 0b000_0001)]
    [InlineData("0 0 * * 1-5", 0b011_1110)]
    [InlineData("0 0 * * mon,wed,FRI", 0b010_1010)]
    public void Parse_DayOfWeekRangeEndingInSunday_RunsUpToSeven(string expression, int daysOfWeek) =>
        Assert.Equal(daysOfWeek, CronExpression.Parse(expression).Pattern.DaysOfWeek);

    [Theory]
    [InlineData("*/100 * * * *", 1UL)]
    [InlineData("59/5 * * * *", 1UL << 59)]
    [InlineData("0-5/2 * * * *", 0b10101UL)]
    [InlineData("00,05 * * * *", 0b100001UL)]
    [InlineData("0-59 * * * *", (1UL << 60) - 1)]
    public void Parse_MinuteSteps_SetTheExpectedMinutes(string expression, ulong minutes) =>
        Assert.Equal(minutes, CronExpression.Parse(expression).Pattern.Minutes);

    [Theory]
    [InlineData("0 0 1 jan *", 1 << 1)]
    [InlineData("0 0 1 JAN-mar *", 0b1110)]
    [InlineData("0 0 1 */4 *", (1 << 1) | (1 << 5) | (1 << 9))]
    [InlineData("0 0 1 dec *", 1 << 12)]
    public void Parse_Months_SetTheExpectedMonths(string expression, int months) =>
        Assert.Equal(months, CronExpression.Parse(expression).Pattern.Months);

    [Fact]
    public void TryParse_InvalidExpression_ReturnsTheError()
    {
        Assert.False(CronExpression.TryParse("0 0 * * monday", null, out var result, out var error));
        Assert.Null(result);
        Assert.Equal(CronField.DayOfWeek, error.Field);
        Assert.False(CronExpression.TryParse("61 * * * *", out var shortResult));
        Assert.Null(shortResult);
    }

    [Fact]
    public void TryParse_ValidExpression_ReturnsTheExpression()
    {
        Assert.True(CronExpression.TryParse("H H * * *", "job-7", out var result, out var error));
        Assert.Null(error);
        Assert.Equal("H H * * *", result.Text);
        Assert.True(CronExpression.TryParse("*/5 * * * *", out var shortResult));
        Assert.NotNull(shortResult);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => CronExpression.Parse(null!));
        Assert.Throws<ArgumentNullException>(() => CronExpression.TryParse(null!, out _));
    }

    [Fact]
    public void CronFormatException_IsAFormatException()
    {
        var error = Assert.Throws<CronFormatException>(() => CronExpression.Parse("@Daily"));
        Assert.IsAssignableFrom<FormatException>(error);
        Assert.Equal("Invalid cron expression.", new CronFormatException().Message);
        Assert.Equal("bad", new CronFormatException("bad").Reason);
        var inner = new InvalidOperationException();
        Assert.Same(inner, new CronFormatException("bad", inner).InnerException);
    }

    [Theory]
    [InlineData("\t0  0\t* *   *  ")]
    [InlineData("0 0 ? * ?")]
    [InlineData("0 0 L,LW,L-3,15W * 5L,1#2,sun")]
    [InlineData("0 0 1-31/2 JAN-dec/2 MON-fri/2")]
    [InlineData("5/20 0/6 1/10 1/3 0/2")]
    public void Parse_UnusualButValidExpression_Succeeds(string expression) =>
        Assert.NotNull(CronExpression.Parse(expression));

    private static string FieldName(CronField field) => field switch
    {
        CronField.Minute => "minute",
        CronField.Hour => "hour",
        CronField.DayOfMonth => "day-of-month",
        CronField.Month => "month",
        _ => "day-of-week",
    };
}
