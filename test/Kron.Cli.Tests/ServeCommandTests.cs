namespace Kron.Cli.Tests;

/// <summary><c>kron serve</c> as a real process, refusing settings it cannot use.</summary>
public sealed class ServeCommandTests
{
    [Theory]
    [InlineData("Kron__Auth__Tokens__0", "short", "Kron:Auth:Tokens:0 must be at least 16 characters")]
    [InlineData("Kron__Dispatcher__PollInterval", "-00:00:01", "Kron:Dispatcher:PollInterval must be between")]
    public async Task Serve_InvalidSetting_OneLineNamingItAndExitCode2(string variable, string value, string expected)
    {
        var data = Path.Combine(Path.GetTempPath(), "kron-cli-tests", Guid.NewGuid().ToString("N"));
        try
        {
            var result = await CliRunner.RunProcessAsync(
                new Dictionary<string, string> { [variable] = value },
                "serve", "--data", data, "--listen", "http://127.0.0.1:0");

            Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
            Assert.Contains($"kron: invalid setting: {expected}", result.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", result.Error + result.Output, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
