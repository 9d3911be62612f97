using Kron.Protocol;

namespace Kron.Server.Jobs;

/// <summary>Validates a target and normalizes it (defaults filled in, fields of other types rejected).</summary>
internal static class TargetValidation
{
    public static readonly TimeSpan MaxNoopDuration = TimeSpan.FromHours(1);

    /// <summary>Every type-specific field with the target type it belongs to: any other type rejects it.</summary>
    private static readonly (string Field, string Type, Func<TargetSpec, object?> Value)[] TypedFields =
    [
        ("url", "http", t => t.Url),
        ("method", "http", t => t.Method),
        ("headers", "http", t => t.Headers),
        ("command", "shell", t => t.Command),
        ("user", "shell", t => t.User),
        ("working_directory", "shell", t => t.WorkingDirectory),
        ("environment", "shell", t => t.Environment),
        ("queue", "queue", t => t.Queue),
        ("job_type", "queue", t => t.JobType),
        ("duration", "noop", t => t.Duration),
        ("fail_rate", "noop", t => t.FailRate),
    ];

    public static TargetSpec? Validate(TargetSpec? target, Dictionary<string, string[]> errors)
    {
        if (target is null)
        {
            JobDefinitions.Add(errors, "target", "a target is required, such as {\"type\": \"http\", \"url\": \"https://example.com/hook\"}, {\"type\": \"shell\", \"command\": \"backup.sh\"}, {\"type\": \"queue\", \"queue\": \"emails\", \"job_type\": \"email_send\"} or {\"type\": \"noop\"}");
            return null;
        }

        var before = errors.Count;
        switch (target.Type)
        {
            case "http":
                var validUrl = Uri.TryCreate(target.Url, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);
                JobDefinitions.Check(errors, "target.url", !validUrl, "an http target needs an absolute http:// or https:// url");
                JobDefinitions.Check(errors, "target.method", target.Method is { } m && (m.Length == 0 || !m.All(char.IsAsciiLetter)), "method must be an HTTP method such as POST");
                target = target with { Method = (target.Method ?? "POST").ToUpperInvariant() };
                break;
            case "shell":
                JobDefinitions.Check(errors, "target.command", string.IsNullOrWhiteSpace(target.Command), "a shell target needs a command");
                JobDefinitions.Check(errors, "target.user", target.User is { } u && (u.Length == 0 || !u.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')), "user must be a Unix user name");
                JobDefinitions.Check(errors, "target.working_directory", target.WorkingDirectory is { } w && !Path.IsPathFullyQualified(w), "working_directory must be an absolute path");
                break;
            case "queue":
                JobDefinitions.Check(errors, "target.queue", !QueueNames.IsValid(target.Queue), $"a queue target needs a queue name: {QueueNames.Rule}");
                JobDefinitions.Check(errors, "target.job_type", string.IsNullOrWhiteSpace(target.JobType) || target.JobType.Length > 200, "a queue target needs a job_type (1-200 characters): the handler type a worker registered, such as \"email_send\"");
                break;
            case "noop":
                JobDefinitions.Check(errors, "target.duration", target.Duration is { } d && (d < TimeSpan.Zero || d > MaxNoopDuration), "duration must be between PT0S and PT1H");
                JobDefinitions.Check(errors, "target.fail_rate", target.FailRate is < 0 or > 1 or double.NaN, "fail_rate must be between 0 and 1");
                break;
            default:
                JobDefinitions.Add(errors, "target.type", $"target type must be one of http, shell, queue, noop (got {(target.Type is null ? "none" : $"\"{target.Type}\"")})");
                return null;
        }

        foreach (var (field, type, value) in TypedFields)
        {
            JobDefinitions.Check(errors, $"target.{field}", type != target.Type && value(target) is not null, $"{field} belongs to {type} targets only");
        }

        return errors.Count == before ? target : null;
    }
}
