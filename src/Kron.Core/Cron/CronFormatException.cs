namespace Kron.Core.Cron;

/// <summary>
/// A cron expression that cannot be parsed. <see cref="Exception.Message"/> names the field, the offending text and
/// the reason, so that a person reading it knows what to fix.
/// </summary>
public sealed class CronFormatException : FormatException
{
    /// <summary>Creates the exception with a message only.</summary>
    public CronFormatException()
        : this("Invalid cron expression.")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public CronFormatException(string message)
        : base(message)
    {
        Reason = message;
    }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    public CronFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = message;
    }

    internal CronFormatException(string expression, CronField? field, string? token, string reason)
        : base(Format(expression, field, token, reason))
    {
        Field = field;
        Token = token;
        Reason = reason;
    }

    /// <summary>The field at fault, or <see langword="null"/> when the fault is in the expression as a whole.</summary>
    public CronField? Field { get; }

    /// <summary>The offending text, when there is one.</summary>
    public string? Token { get; }

    /// <summary>Why the text is wrong, without the field and token.</summary>
    public string Reason { get; }

    private static string Format(string expression, CronField? field, string? token, string reason)
    {
        var where = field is { } f ? $"{CronFieldNames.Of(f)} field" : "expression";
        var what = token is null ? string.Empty : $" \"{token}\"";
        return $"invalid cron expression \"{expression}\": {where}{what}: {reason}";
    }
}
