using Npgsql;

namespace Kron.Storage.Postgres.Tests;

/// <summary>Npgsql keywords and libpq URIs to Npgsql keywords, and errors that say what to fix without the password.</summary>
public sealed class PostgresConnectionStringTests
{
    private const string Secret = "s3cr:t/p@ss";

    [Fact]
    public void Normalize_Keywords_ReturnsThemInNpgsqlForm()
    {
        var normalized = PostgresConnectionString.Normalize("host=db1,db2;database=kron;user id=kron;password=x;target session attributes=primary");

        var builder = new NpgsqlConnectionStringBuilder(normalized);
        Assert.Equal(("db1,db2", "kron", "kron", "x", "primary"), (builder.Host, builder.Database, builder.Username, builder.Password, builder.TargetSessionAttributes));
        Assert.Contains("Host=db1,db2", normalized, StringComparison.Ordinal);
    }

    [Fact]
    public void Normalize_UriWithSeveralHosts_BecomesKeywordsWithEachHostsPort()
    {
        var normalized = PostgresConnectionString.Normalize(
            "postgres://kron:s3cr%3At%2Fp%40ss@db1.example:5433,db2.example,10.0.0.3:6000/kron_prod?target_session_attrs=primary&sslmode=verify-full&connect_timeout=7&application_name=kron%20node");

        var builder = new NpgsqlConnectionStringBuilder(normalized);
        Assert.Equal("db1.example:5433,db2.example,10.0.0.3:6000", builder.Host);
        Assert.Equal(5432, builder.Port);
        Assert.Equal(("kron", Secret, "kron_prod"), (builder.Username, builder.Password, builder.Database));
        Assert.Equal("primary", builder.TargetSessionAttributes);
        Assert.Equal(SslMode.VerifyFull, builder.SslMode);
        Assert.Equal(7, builder.Timeout);
        Assert.Equal("kron node", builder.ApplicationName);
    }

    [Theory]
    [InlineData("postgresql://u@h/d")]
    [InlineData("POSTGRES://u@h/d")]
    [InlineData("  postgres://u@h/d  ")]
    public void Normalize_EitherSchemeInAnyCase_IsAUri(string uri)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(uri));

        Assert.Equal(("h", "u", "d"), (builder.Host, builder.Username, builder.Database));
    }

    [Fact]
    public void Normalize_UriWithIpv6Hosts_KeepsThemInBrackets()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize("postgres://u@[::1]:5433,[fe80::2]/d"));

        Assert.Equal("[::1]:5433,[fe80::2]", builder.Host);
    }

    [Fact]
    public void Normalize_UriWithoutUserOrDatabase_LeavesThemUnset()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize("postgres://db:5432"));

        Assert.Equal(("db:5432", null, null, null), (builder.Host, builder.Username, builder.Password, builder.Database));
    }

    [Fact]
    public void Normalize_UriQueryWithNpgsqlKeywordsAndLibpqOverrides_AppliesThem()
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresConnectionString.Normalize(
            "postgres://u@h/d?Maximum%20Pool%20Size=7&sslmode=disable&user=other&dbname=kron&load_balance_hosts=random&port=6543"));

        Assert.Equal((7, SslMode.Disable, "other", "kron", true, 6543), (builder.MaxPoolSize, builder.SslMode, builder.Username, builder.Database, builder.LoadBalanceHosts, builder.Port));
    }

    [Theory]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db:99999/kron", "port of the host (db) is '99999'")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db1:5432,db2:x/kron", "port of host 2 of 2 (db2) is 'x'")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db1,,db2/kron", "host 2 of 3 is empty")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@/kron", "names no host")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@::1/kron", "in brackets")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@[::1/kron", "no ']'")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db/kron?sslmode=always", "sslmode is 'always'; it must be one of disable, allow, prefer, require, verify-ca, verify-full")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db/kron?target_session_attrs=master", "target_session_attrs is 'master'")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db/kron?connect_timeout=soon", "connect_timeout is 'soon'")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db/kron?fallback_application_name=x", "query parameter 'fallback_application_name' is unknown")]
    [InlineData("postgres://kron:s3cr%3At%2Fp%40ss@db/kron#top", "fragment")]
    [InlineData("postgres://kron:s3cr?t@db/kron", "percent-encode a '?'")]
    [InlineData("mysql://kron:s3cr%3At%2Fp%40ss@db/kron", "must start with postgres:// or postgresql://")]
    [InlineData("Host=db;Password=s3cr:t/p@ss;Port=none", "the value of Port is not valid")]
    [InlineData("Host=db;Password=s3cr:t/p@ss;Colour=blue", "'Colour' is not a keyword Npgsql knows")]
    [InlineData("Host=db;Password='s3cr:t/p@ss", "not valid Npgsql keywords")]
    [InlineData("   ", "empty")]
    public void Normalize_Invalid_SaysWhatToFixWithoutThePassword(string connectionString, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => PostgresConnectionString.Normalize(connectionString));

        Assert.Contains(problem, error.Message, StringComparison.OrdinalIgnoreCase);
        foreach (var fragment in new[] { Secret, "s3cr", "p@ss", "p%40ss" })
        {
            Assert.DoesNotContain(fragment, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Open_InvalidConnectionString_ThrowsArgumentException()
    {
        Assert.Throws<ArgumentException>(() => PostgresDriver.Open("postgres://u@db:0/kron"));
    }
}
