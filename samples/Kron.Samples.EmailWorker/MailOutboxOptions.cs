namespace Kron.Samples.EmailWorker;

/// <summary>Where the sample "sends" mail: configuration section <c>Email</c> (<c>Email__OutboxFile</c> in the environment).</summary>
internal sealed class MailOutboxOptions
{
    /// <summary>The configuration section the options are read from.</summary>
    public const string SectionName = "Email";

    /// <summary>A file to append one line per sent mail to, or <see langword="null"/> to only log it.</summary>
    public string? OutboxFile { get; set; }
}
