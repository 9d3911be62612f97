using System.Diagnostics.CodeAnalysis;

namespace Kron.Core.Time;

/// <summary>Looks up IANA time zones by name, with an error a person can act on.</summary>
public static class TimeZones
{
    /// <summary>Finds an IANA zone such as <c>Europe/Berlin</c> or <c>UTC</c>.</summary>
    public static bool TryFind(string? name, [NotNullWhen(true)] out TimeZoneInfo? zone, [NotNullWhen(false)] out string? error)
    {
        zone = null;
        if (string.IsNullOrWhiteSpace(name))
        {
            error = "a time zone is required, such as UTC or Europe/Berlin";
            return false;
        }

        if (name is "UTC" or "Etc/UTC" or "Z")
        {
            zone = TimeZoneInfo.Utc;
            error = null;
            return true;
        }

        // IANA names are letters, digits and _ + - /; anything else (spaces, "..") is not a zone and must not reach
        // the file system lookup behind FindSystemTimeZoneById.
        // The tz database's own names start with a capital letter (America/New_York, UTC, EST5EDT); the files beside
        // them (localtime, posixrules, Factory, right/..., posix/...) are not zones.
        var plausible = name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '+' or '-' or '/') &&
            char.IsAsciiLetterUpper(name[0]) && !name.Contains("//", StringComparison.Ordinal) && name != "Factory";
        try
        {
            if (plausible && TimeZoneInfo.FindSystemTimeZoneById(name) is { } found && found.Id == name)
            {
                zone = found;
                error = null;
                return true;
            }
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
        }

        error = $"unknown time zone \"{name}\"; use an IANA name such as UTC, Europe/Berlin or America/New_York";
        return false;
    }
}
