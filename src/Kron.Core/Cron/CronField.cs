namespace Kron.Core.Cron;

/// <summary>The five fields of a cron expression, in the order they are written.</summary>
public enum CronField
{
    /// <summary>Minute, 0-59.</summary>
    Minute,

    /// <summary>Hour, 0-23.</summary>
    Hour,

    /// <summary>Day of the month, 1-31, with <c>L</c>, <c>L-n</c>, <c>LW</c> and <c>nW</c>.</summary>
    DayOfMonth,

    /// <summary>Month, 1-12 or <c>jan</c>-<c>dec</c>.</summary>
    Month,

    /// <summary>Day of the week, 0-7 (0 and 7 are Sunday) or <c>sun</c>-<c>sat</c>, with <c>dL</c> and <c>d#n</c>.</summary>
    DayOfWeek,
}

/// <summary>Names of fields as they appear in error messages.</summary>
internal static class CronFieldNames
{
    public static string Of(CronField field) => field switch
    {
        CronField.Minute => "minute",
        CronField.Hour => "hour",
        CronField.DayOfMonth => "day-of-month",
        CronField.Month => "month",
        CronField.DayOfWeek => "day-of-week",
        _ => throw new ArgumentOutOfRangeException(nameof(field)),
    };
}
