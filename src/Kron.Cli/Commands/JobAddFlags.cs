using System.Text.Json;
using Kron.Core.Time;
using Kron.Protocol;

namespace Kron.Cli.Commands;

/// <summary>
/// The flags of <c>kron job add</c> as typed, before any checking. <see cref="ToRequest"/> checks them together and
/// builds the <see cref="JobCreateRequest"/>, so that a mistake is reported before anything is sent.
/// </summary>
internal sealed record JobAddFlags
{
    public string? Name { get; init; }
    public string? Key { get; init; }
    public string? Cron { get; init; }
    public string? TimeZone { get; init; }
    public string? At { get; init; }
    public string? Every { get; init; }

    public string? Http { get; init; }
    public string? Method { get; init; }
    public IReadOnlyList<string> Headers { get; init; } = [];
    public string? Shell { get; init; }
    public string? User { get; init; }
    public string? WorkingDirectory { get; init; }
    public IReadOnlyList<string> Environment { get; init; } = [];
    public string? Queue { get; init; }
    public string? JobType { get; init; }
    public bool Noop { get; init; }
    public string? Duration { get; init; }
    public double? FailRate { get; init; }

    public string? Payload { get; init; }
    public string? PayloadFile { get; init; }
    public int? Retries { get; init; }
    public string? RetryInitial { get; init; }
    public string? RetryMax { get; init; }
    public double? RetryMultiplier { get; init; }
    public string? RetryJitter { get; init; }
    public int? MaxConcurrent { get; init; }
    public string? Timeout { get; init; }
    public string? Concurrency { get; init; }
    public string? Misfire { get; init; }
    public string? StartingDeadline { get; init; }
    public string? Delivery { get; init; }
    public int? Priority { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public bool Paused { get; init; }

    /// <summary>Checks the flags together and builds the request.</summary>
    /// <exception cref="InvalidInputException">A flag is invalid or flags contradict each other.</exception>
    public JobCreateRequest ToRequest()
    {
        RequireOne(
            "a schedule is required: --cron EXPRESSION, --at INSTANT or --every DURATION",
            "choose one schedule",
            ("--cron", Cron is not null), ("--at", At is not null), ("--every", Every is not null));
        Requires("--tz", TimeZone is not null, "--cron", Cron is not null);

        DateTimeOffset? scheduleTime = null;
        if (At is not null)
        {
            scheduleTime = Rfc3339.TryParse(At, out var instant, out var error) ? instant : throw new InvalidInputException("--at: " + error);
        }

        if (Retries is < 0)
        {
            throw new InvalidInputException($"--retries must be 0 or more (attempts after the first), not {Retries}");
        }

        if (RetryMultiplier is { } multiplier && (double.IsNaN(multiplier) || double.IsInfinity(multiplier) || multiplier < 1))
        {
            throw new InvalidInputException($"--retry-multiplier must be at least 1, not {multiplier.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }

        if (MaxConcurrent is < 1)
        {
            throw new InvalidInputException($"--max-concurrent must be at least 1, not {MaxConcurrent}");
        }

        if (Tags.FirstOrDefault(string.IsNullOrWhiteSpace) is not null)
        {
            throw new InvalidInputException("--tag: a tag cannot be empty");
        }

        return new JobCreateRequest
        {
            Key = Key,
            Name = Name,
            ScheduleTime = scheduleTime,
            Cron = Cron,
            TimeZone = TimeZone,
            Every = Every is null ? null : FlagSyntax.ParseDuration("--every", Every, allowZero: false),
            Target = BuildTarget(),
            Payload = ReadPayload(),
            Retries = Retries,
            Retry = BuildRetry(),
            MaxConcurrent = MaxConcurrent,
            Timeout = Timeout is null ? null : FlagSyntax.ParseDuration("--timeout", Timeout, allowZero: false),
            Concurrency = Concurrency,
            Misfire = Misfire,
            StartingDeadline = StartingDeadline is null ? null : FlagSyntax.ParseDuration("--starting-deadline", StartingDeadline, allowZero: false),
            Delivery = Delivery,
            Priority = Priority,
            Tags = Tags.Count == 0 ? null : Tags,
            Paused = Paused ? true : null,
        };
    }

    private RetrySpec? BuildRetry()
    {
        if (RetryInitial is null && RetryMax is null && RetryMultiplier is null && RetryJitter is null)
        {
            return null;
        }

        var initial = RetryInitial is null ? (TimeSpan?)null : FlagSyntax.ParseDuration("--retry-initial", RetryInitial, allowZero: false);
        var max = RetryMax is null ? (TimeSpan?)null : FlagSyntax.ParseDuration("--retry-max", RetryMax, allowZero: false);
        if (initial > max)
        {
            throw new InvalidInputException($"--retry-max ({RetryMax}) cannot be shorter than --retry-initial ({RetryInitial})");
        }

        return new RetrySpec { InitialInterval = initial, MaxInterval = max, Multiplier = RetryMultiplier, Jitter = RetryJitter };
    }

    private TargetSpec BuildTarget()
    {
        RequireOne(
            "a target is required: --http URL, --shell COMMAND, --queue NAME --job-type TYPE or --noop",
            "choose one target",
            ("--http", Http is not null), ("--shell", Shell is not null), ("--queue", Queue is not null), ("--noop", Noop));
        Requires("--method", Method is not null, "--http", Http is not null);
        Requires("--header", Headers.Count > 0, "--http", Http is not null);
        Requires("--user", User is not null, "--shell", Shell is not null);
        Requires("--workdir", WorkingDirectory is not null, "--shell", Shell is not null);
        Requires("--env", Environment.Count > 0, "--shell", Shell is not null);
        Requires("--job-type", JobType is not null, "--queue", Queue is not null);
        Requires("--duration", Duration is not null, "--noop", Noop);
        Requires("--fail-rate", FailRate is not null, "--noop", Noop);

        if (Http is not null)
        {
            if (!Uri.TryCreate(Http, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidInputException($"--http: \"{Http}\" is not an absolute http or https URL, such as https://example.com/hook");
            }

            return new TargetSpec
            {
                Type = "http",
                Url = Http,
                Method = Method?.Trim().ToUpperInvariant(),
                Headers = FlagSyntax.ParsePairs("--header", Headers, StringComparer.OrdinalIgnoreCase),
            };
        }

        if (Shell is not null)
        {
            return string.IsNullOrWhiteSpace(Shell)
                ? throw new InvalidInputException("--shell: the command cannot be empty")
                : new TargetSpec
                {
                    Type = "shell",
                    Command = Shell,
                    User = User,
                    WorkingDirectory = WorkingDirectory,
                    Environment = FlagSyntax.ParsePairs("--env", Environment, StringComparer.Ordinal),
                };
        }

        if (Queue is not null)
        {
            return string.IsNullOrWhiteSpace(JobType)
                ? throw new InvalidInputException("--queue needs --job-type TYPE: the handler type a worker registered")
                : new TargetSpec { Type = "queue", Queue = Queue, JobType = JobType };
        }

        if (FailRate is < 0 or > 1 || (FailRate is { } rate && double.IsNaN(rate)))
        {
            throw new InvalidInputException($"--fail-rate must be between 0 and 1, not {FailRate}");
        }

        return new TargetSpec
        {
            Type = "noop",
            Duration = Duration is null ? null : FlagSyntax.ParseDuration("--duration", Duration, allowZero: true),
            FailRate = FailRate,
        };
    }

    private JsonElement? ReadPayload()
    {
        if (Payload is not null && PayloadFile is not null)
        {
            throw new InvalidInputException("choose one of --payload JSON and --payload-file PATH");
        }

        string flag, text;
        if (Payload is not null)
        {
            (flag, text) = ("--payload", Payload);
        }
        else if (PayloadFile is not null)
        {
            flag = "--payload-file";
            try
            {
                text = File.ReadAllText(PayloadFile);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                throw new InvalidInputException($"--payload-file: cannot read \"{PayloadFile}\": {e.Message}", e);
            }
        }
        else
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"{flag}: not valid JSON ({e.Message}); quote it for the shell, such as --payload '{{\"user_id\": 123}}'", e);
        }
    }

    private static void RequireOne(string noneMessage, string manyMessage, params ReadOnlySpan<(string Flag, bool Given)> choices)
    {
        var given = new List<string>();
        foreach (var (flag, isGiven) in choices)
        {
            if (isGiven)
            {
                given.Add(flag);
            }
        }

        if (given.Count == 0)
        {
            throw new InvalidInputException(noneMessage);
        }

        if (given.Count > 1)
        {
            throw new InvalidInputException($"{manyMessage}: {string.Join(" and ", given)} cannot be combined");
        }
    }

    private static void Requires(string flag, bool given, string needed, bool neededGiven)
    {
        if (given && !neededGiven)
        {
            throw new InvalidInputException($"{flag} applies only with {needed}");
        }
    }
}
