using Microsoft.Playwright;

namespace Kron.Dashboard.Tests;

/// <summary>
/// A fresh browser context and page on a node's dashboard, at a laptop's 1366×768. Records what the page logs as an
/// error (script errors, Content-Security-Policy violations, failed requests) so that a test can assert there was none,
/// and writes full-page screenshots to <c>artifacts/screenshots/</c> under the repository root.
/// </summary>
public sealed class DashboardSession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private DashboardSession(IBrowserContext context, IPage page, Uri baseAddress)
    {
        _context = context;
        Page = page;
        BaseAddress = baseAddress;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add(error);
            }
        };
    }

    public IPage Page { get; }

    public Uri BaseAddress { get; }

    public static async Task<DashboardSession> OpenAsync(ChromiumFixture chromium, DashboardNode node)
    {
        var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1366, Height = 768 },
            Locale = "en-US",
            TimezoneId = "Europe/Berlin",
            BaseURL = node.BaseAddress.ToString(),
        });
        var page = await context.NewPageAsync();
        return new DashboardSession(context, page, node.BaseAddress);
    }

    /// <summary>Opens a dashboard route such as <c>#/jobs</c>.</summary>
    public async Task GoToAsync(string fragment)
    {
        await Page.GotoAsync(fragment.Length == 0 ? "/" : $"/{fragment}");
    }

    /// <summary>Writes a full-page screenshot to <c>artifacts/screenshots/{name}.png</c>.</summary>
    public async Task ScreenshotAsync(string name)
    {
        var folder = Path.Combine(RepositoryRoot(), "artifacts", "screenshots");
        Directory.CreateDirectory(folder);
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, $"{name}.png"), FullPage = true });
    }

    /// <summary>Asserts that the page logged no error, except those matching <paramref name="expected"/>.</summary>
    public void AssertNoBrowserErrors(Func<string, bool>? expected = null)
    {
        string[] errors;
        lock (_errors)
        {
            errors = [.. _errors.Where(e => expected is null || !expected(e))];
        }

        Assert.True(errors.Length == 0, $"the page logged errors:\n{string.Join('\n', errors)}");
    }

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    private static string RepositoryRoot()
    {
        // The build output may live outside the repository (--artifacts-path): the project's own folder is recorded
        // at build time as a fallback.
        var projectDirectory = typeof(DashboardSession).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyMetadataAttribute), false)
            .Cast<System.Reflection.AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ProjectDirectory")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, projectDirectory, Environment.CurrentDirectory })
        {
            for (var directory = start is null ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Kron.slnx")))
                {
                    return directory.FullName;
                }
            }
        }

        return Environment.CurrentDirectory;
    }
}
