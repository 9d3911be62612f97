using System.Globalization;
using Npgsql;

namespace Kron.Storage.Postgres;

/// <summary>
/// Turns what an operator writes into Npgsql keywords: either Npgsql keywords already
/// (<c>Host=db1,db2;Database=kron;Username=kron;Password=…;Target Session Attributes=primary</c>), or a libpq URI
/// (<c>postgres://kron:…@db1:5432,db2:5432/kron?target_session_attrs=primary&amp;sslmode=verify-full</c>), the form
/// most platforms and Patroni setups hand out.
/// </summary>
/// <remarks>
/// <para>
/// URI form: <c>postgres[ql]://[user[:password]@]host[:port][,host[:port]…][/database][?name=value&amp;…]</c>. User,
/// password, hosts and database are percent-decoded (write <c>%40</c> for an <c>@</c> in a password); an IPv6 address
/// goes in brackets (<c>[::1]:5432</c>); a host without a port uses 5432. Query parameters take their libpq names
/// (<c>sslmode</c>, <c>target_session_attrs</c>, <c>connect_timeout</c>, <c>application_name</c>, <c>options</c>,
/// <c>sslrootcert</c>, <c>sslcert</c>, <c>sslkey</c>, <c>sslpassword</c>, <c>load_balance_hosts</c>,
/// <c>client_encoding</c>, <c>host</c>, <c>port</c>, <c>dbname</c>, <c>user</c>, <c>password</c>) or any Npgsql keyword
/// (<c>Maximum%20Pool%20Size=50</c>).
/// </para>
/// <para>Error messages say what to fix and never repeat the password.</para>
/// </remarks>
public static class PostgresConnectionString
{
    private const string Example = "postgres://kron:PASSWORD@db1:5432,db2:5432/kron?target_session_attrs=primary";
    private const string KeywordExample = "Host=db1:5432,db2:5432;Database=kron;Username=kron;Password=PASSWORD;Target Session Attributes=primary";

    private static readonly Dictionary<string, string> SslModes = new(StringComparer.Ordinal)
    {
        ["disable"] = "Disable",
        ["allow"] = "Allow",
        ["prefer"] = "Prefer",
        ["require"] = "Require",
        ["verify-ca"] = "VerifyCA",
        ["verify-full"] = "VerifyFull",
    };

    private static readonly string[] TargetSessionAttributes =
        ["any", "read-write", "read-only", "primary", "standby", "prefer-standby", "prefer-primary"];

    /// <summary>libpq query parameters that map to one Npgsql keyword as they are.</summary>
    private static readonly Dictionary<string, string> PlainParameters = new(StringComparer.Ordinal)
    {
        ["application_name"] = "Application Name",
        ["options"] = "Options",
        ["sslrootcert"] = "Root Certificate",
        ["sslcert"] = "SSL Certificate",
        ["sslkey"] = "SSL Key",
        ["sslpassword"] = "SSL Password",
        ["client_encoding"] = "Client Encoding",
    };

    /// <summary>
    /// Npgsql keywords for <paramref name="connectionString"/>: keywords are checked and returned in Npgsql's form, a
    /// <c>postgres://</c> or <c>postgresql://</c> URI is converted.
    /// </summary>
    /// <exception cref="ArgumentException">The text is neither valid keywords nor a valid URI; the message says what
    /// to fix (without the password).</exception>
    public static string Normalize(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException($"The PostgreSQL connection string is empty. Write Npgsql keywords ({KeywordExample}) or a URI ({Example}).");
        }

        var text = connectionString.Trim();
        return SchemeLength(text) is { } schemeLength ? FromUri(text, schemeLength) : FromKeywords(text);
    }

    private static int? SchemeLength(string text)
    {
        foreach (var scheme in new[] { "postgresql://", "postgres://" })
        {
            if (text.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            {
                return scheme.Length;
            }
        }

        return text.Contains("://", StringComparison.Ordinal)
            ? throw Invalid("a URI must start with postgres:// or postgresql://")
            : null;
    }

    private static string FromKeywords(string text)
    {
        var parsed = new System.Data.Common.DbConnectionStringBuilder();
        try
        {
            parsed.ConnectionString = text;
        }
        catch (ArgumentException exception)
        {
            // The framework's message gives a position, never the text around it.
            throw Keywords(exception.Message.TrimEnd('.') + "; check the quotes and the ';' between keywords", exception);
        }

        var builder = new NpgsqlConnectionStringBuilder();
        foreach (var keyword in parsed.Keys.Cast<string>())
        {
            if (!IsNpgsqlKeyword(keyword))
            {
                throw Keywords($"'{keyword}' is not a keyword Npgsql knows (such as Host, Port, Database, Username, Password, SSL Mode, Target Session Attributes)", null);
            }

            try
            {
                builder[keyword] = parsed[keyword];
            }
            catch (ArgumentException exception)
            {
                // Only a value that must be a number, a boolean or one of a list can fail: never a password.
                throw Keywords($"the value of {keyword} is not valid ({exception.InnerException?.Message.TrimEnd('.') ?? exception.Message.TrimEnd('.')})", exception);
            }
        }

        return builder.ConnectionString;
    }

    private static ArgumentException Keywords(string problem, Exception? innerException) =>
        new($"The PostgreSQL connection string is not valid Npgsql keywords: {problem}. " +
            $"Write keywords separated by ';' ({KeywordExample}) or a URI ({Example}).", innerException);

    private static string FromUri(string uri, int schemeLength)
    {
        var rest = uri[schemeLength..];
        var end = rest.IndexOfAny(['?', '#']);
        var (main, query) = end < 0 ? (rest, "") : (rest[..end], rest[end..]);
        if (query.StartsWith('#') || query.Contains('#', StringComparison.Ordinal))
        {
            throw Invalid("a URI fragment ('#...') means nothing here; percent-encode a '#' in the user name or password as %23");
        }

        if (query.Contains('@', StringComparison.Ordinal))
        {
            // The user information would have been cut in two: do not show any of it.
            throw Invalid("the '@' that ends the user name and password comes after a '?'; percent-encode a '?' in the user name or password as %3F");
        }

        var builder = new NpgsqlConnectionStringBuilder();
        var at = main.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = main[..at];
            main = main[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = Decode(colon < 0 ? userInfo : userInfo[..colon]);
            if (user.Length > 0)
            {
                builder.Username = user;
            }

            if (colon >= 0)
            {
                builder.Password = Decode(userInfo[(colon + 1)..]);
            }
        }

        var slash = main.IndexOf('/', StringComparison.Ordinal);
        var hostList = slash < 0 ? main : main[..slash];
        if (slash >= 0 && Decode(main[(slash + 1)..]) is { Length: > 0 } database)
        {
            builder.Database = database;
        }

        if (hostList.Length > 0)
        {
            builder.Host = Hosts(hostList);
        }

        if (query.Length > 1)
        {
            foreach (var pair in query[1..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Decode(equals < 0 ? pair : pair[..equals]);
                var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
                Apply(builder, name, value);
            }
        }

        if (string.IsNullOrEmpty(builder.Host))
        {
            throw Invalid("it names no host; put one or more after the '@', such as db1:5432,db2:5432");
        }

        return builder.ConnectionString;
    }

    /// <summary>The URI's hosts as Npgsql's Host value: <c>host[:port]</c> entries separated by commas.</summary>
    private static string Hosts(string hostList)
    {
        var hosts = new List<string>();
        var entries = hostList.Split(',');
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            var which = entries.Length == 1 ? "the host" : $"host {i + 1} of {entries.Length}";
            string host;
            string? port = null;
            if (entry.StartsWith('['))
            {
                var close = entry.IndexOf(']', StringComparison.Ordinal);
                if (close < 0)
                {
                    throw Invalid($"{which} starts an IPv6 address with '[' but has no ']'");
                }

                host = "[" + entry[1..close] + "]";
                var after = entry[(close + 1)..];
                if (after.Length > 0)
                {
                    port = after.StartsWith(':') ? after[1..] : throw Invalid($"{which}: after ']' only ':port' may follow");
                }
            }
            else
            {
                var colon = entry.LastIndexOf(':');
                if (colon >= 0 && entry.IndexOf(':', StringComparison.Ordinal) != colon)
                {
                    throw Invalid($"{which} looks like an IPv6 address: write it in brackets, such as [::1]:5432");
                }

                (host, port) = colon < 0 ? (Decode(entry), null) : (Decode(entry[..colon]), entry[(colon + 1)..]);
            }

            if (host.Length == 0)
            {
                throw Invalid($"{which} is empty; write host or host:port, separated by commas");
            }

            if (port is not null)
            {
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
                {
                    throw Invalid($"the port of {which} ({host}) is '{port}'; a port is a number from 1 to 65535");
                }

                host += ":" + number.ToString(CultureInfo.InvariantCulture);
            }

            hosts.Add(host);
        }

        return string.Join(',', hosts);
    }

    /// <summary>One query parameter: a libpq name, or else an Npgsql keyword.</summary>
    private static void Apply(NpgsqlConnectionStringBuilder builder, string name, string value)
    {
        switch (name)
        {
            case "sslmode":
                builder["SSL Mode"] = SslModes.TryGetValue(value, out var mode)
                    ? mode
                    : throw Invalid($"sslmode is '{value}'; it must be one of {string.Join(", ", SslModes.Keys)}");
                return;
            case "target_session_attrs":
                builder["Target Session Attributes"] = TargetSessionAttributes.Contains(value, StringComparer.Ordinal)
                    ? value
                    : throw Invalid($"target_session_attrs is '{value}'; it must be one of {string.Join(", ", TargetSessionAttributes)}");
                return;
            case "connect_timeout":
                builder.Timeout = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                    ? seconds
                    : throw Invalid($"connect_timeout is '{value}'; it is a whole number of seconds");
                return;
            case "load_balance_hosts":
                builder.LoadBalanceHosts = value switch
                {
                    "random" => true,
                    "disable" => false,
                    _ => throw Invalid($"load_balance_hosts is '{value}'; it must be random or disable"),
                };
                return;
            case "password":
                builder.Password = value;
                return;
            case "user":
                builder.Username = value;
                return;
            case "dbname":
                builder.Database = value;
                return;
            case "host":
                builder.Host = Hosts(value);
                return;
            case "port":
                builder.Port = int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is >= 1 and <= 65535
                    ? port
                    : throw Invalid($"port is '{value}'; a port is a number from 1 to 65535");
                return;
        }

        var keyword = PlainParameters.GetValueOrDefault(name, name);
        if (!PlainParameters.ContainsKey(name) && !IsNpgsqlKeyword(keyword))
        {
            throw Invalid(
                $"the query parameter '{name}' is unknown; use sslmode, target_session_attrs, connect_timeout, application_name, options, " +
                "sslrootcert, sslcert, sslkey, sslpassword, load_balance_hosts, client_encoding, host, port, dbname, user, password, " +
                "or an Npgsql keyword such as Maximum%20Pool%20Size");
        }

        try
        {
            builder[keyword] = value;
        }
        catch (ArgumentException exception)
        {
            throw Invalid($"the value of the query parameter '{name}' is not valid ({exception.InnerException?.Message.TrimEnd('.') ?? exception.Message.TrimEnd('.')})");
        }
    }

    private static bool IsNpgsqlKeyword(string keyword)
    {
        try
        {
            return new NpgsqlConnectionStringBuilder().TryGetValue(keyword, out _);
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string Decode(string text) => Uri.UnescapeDataString(text);

    private static ArgumentException Invalid(string problem) =>
        new($"The PostgreSQL URI is not valid: {problem}. The form is {Example}.");
}
