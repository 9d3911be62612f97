namespace Kron.Cli.Tests;

public sealed class RunCommandsTests
{
    [Fact]
    public async Task Ls_UnknownState_ExitsTwoListingTheStates()
    {
        var result = await CliRunner.RunInProcessAsync("run", "ls", "--state", "broken", "--url", "http://127.0.0.1:1");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "kron: --state must be one of queued, running, succeeded, failed, dead, skipped, lost, cancelled, not \"broken\" (see 'kron --help')",
            result.ErrorLine);
    }

    [Fact]
    public async Task Get_UnreachableServer_ExitsOne()
    {
        var result = await CliRunner.RunInProcessAsync("run", "get", "r_1", "--url", "http://127.0.0.1:1");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not reachable", result.ErrorLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_Run_ExplainsItsCommands()
    {
        var run = await CliRunner.RunInProcessAsync("run", "--help");
        var ls = await CliRunner.RunInProcessAsync("run", "ls", "--help");

        Assert.Contains("  ls ", run.Output, StringComparison.Ordinal);
        Assert.Contains("  get <id> ", run.Output, StringComparison.Ordinal);
        foreach (var flag in new[] { "--job", "--state", "--limit", "--cursor", "--all", "--url", "--json" })
        {
            Assert.Contains($"  {flag} ", ls.Output, StringComparison.Ordinal);
        }
    }
}
