namespace Kron.Server.Tests;

/// <summary>The shell executor running real <c>/bin/sh</c> commands through the API and the engine.</summary>
public sealed class ShellRunExecutorTests
{
    [Fact]
    public async Task Execute_SucceedingCommand_SeesTheRunIdAndKeepsTheOutputTail()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Shell("""printf '%s' "$KRON_RUN_ID" > run-id.txt; echo "started $KRON_JOB_ID"; echo "to stderr" >&2; echo "done $KRON_ATTEMPT" """));

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", (string?)run["state"]);
        Assert.Equal(0, (int?)run["outcome"]?["exit_code"]);
        Assert.Equal((string?)run["id"], await File.ReadAllTextAsync(Path.Combine(node.DataDirectory, "run-id.txt")));
        var output = (string?)run["output"];
        Assert.Contains($"started {job["id"]}", output, StringComparison.Ordinal);
        Assert.Contains("to stderr\n", output, StringComparison.Ordinal);
        Assert.Contains("done 1\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Execute_CommandWritingMoreThan64KiB_KeepsTheLast64KiB()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Shell("""echo first line; seq 1 20000; echo "done $KRON_ATTEMPT" """));

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.Equal("succeeded", (string?)run["state"]);
        var output = (string)run["output"]!;
        Assert.StartsWith("[...]", output, StringComparison.Ordinal);
        Assert.EndsWith("19999\n20000\ndone 1\n", output, StringComparison.Ordinal);
        Assert.DoesNotContain("first line", output, StringComparison.Ordinal);
        Assert.InRange(output.Length, 60 * 1024, (64 * 1024) + 5);
    }

    [Fact]
    public async Task Execute_CommandExitingWith3AndNoRetries_EndsDeadWithExitCode3()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Shell("echo about to fail; exit 3", retries: 0));

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.Equal("dead", (string?)run["state"]);
        Assert.Equal(3, (int?)run["outcome"]?["exit_code"]);
        Assert.Contains("3", (string?)run["outcome"]?["error"], StringComparison.Ordinal);
        Assert.Equal("about to fail\n", (string?)run["output"]);
        Assert.Equal(1, (int)run["attempt"]!);
        Assert.Equal(1, (int)run["max_attempts"]!);
    }

    [Fact]
    public async Task Execute_CommandOutlivingItsTimeout_IsKilledAndFailsWithTimeout()
    {
        await using var node = await TestNode.StartAsync();
        var job = await node.CreateJobAsync(JobBodies.Shell("echo $$ > sleeper.pid; exec sleep 30", retries: 0, timeout: "PT1S"));
        var started = TimeProvider.System.GetTimestamp();

        var run = await node.WaitForRunAsync((string)(await node.TriggerAsync((string)job["id"]!))["id"]!, "succeeded", "failed", "dead");

        Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(15));
        Assert.Equal("dead", (string?)run["state"]);
        Assert.Contains("timed out after PT1S", (string?)run["outcome"]?["error"], StringComparison.Ordinal);
        var pid = (await File.ReadAllTextAsync(Path.Combine(node.DataDirectory, "sleeper.pid"))).Trim();
        // The group is killed at once; the kernel may need a moment to reap the killed sleeper (a zombie until then).
        await Kron.Testing.Eventually.TrueAsync(
            () => Task.FromResult(IsGoneOrZombie(pid)),
            TimeSpan.FromSeconds(5),
            $"the sleeping process {pid} to die");
    }

    private static bool IsGoneOrZombie(string pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return true; // gone (FileNotFound and DirectoryNotFound are IOExceptions)
        }
    }
}
