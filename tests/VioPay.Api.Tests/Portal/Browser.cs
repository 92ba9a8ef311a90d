using Deque.AxeCore.Commons;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace VioPay.Api.Tests.Portal;

/// <summary>
/// A real headless Chromium (Debian's <c>chromium</c> and <c>chromium-driver</c>, which scripts/test installs) driven by
/// Selenium through the system chromedriver: no browser or driver is downloaded.
/// </summary>
public sealed class Browser : IDisposable
{
    private static readonly string[] ChromiumPaths = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    private static readonly string[] DriverPaths = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"];
    private static readonly Lazy<string> AxeScript = new(() =>
    {
        using var stream = typeof(AxeResult).Assembly.GetManifestResourceStream("Deque.AxeCore.Commons.Resources.axe.min.js")!;
        return new StreamReader(stream).ReadToEnd();
    });

    public static string? ChromiumPath => ChromiumPaths.FirstOrDefault(File.Exists);

    public static string? DriverPath => DriverPaths.FirstOrDefault(File.Exists);

    /// <summary>Where each page's screenshot goes: TestResults/portal/ at the repository root.</summary>
    public static string ScreenshotDirectory
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "VioPay.sln")))
            {
                dir = dir.Parent;
            }

            var path = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "TestResults", "portal");
            Directory.CreateDirectory(path);
            return path;
        }
    }

    private readonly Uri _base;

    public Browser(Uri baseAddress, bool javaScript = true)
    {
        _base = baseAddress;
        var options = new ChromeOptions { BinaryLocation = ChromiumPath ?? throw new InvalidOperationException("chromium not found") };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
            "--no-first-run", "--disable-extensions", "--lang=en-US");
        if (!javaScript)
        {
            // The setting the browser's own "JavaScript blocked" switch writes.
            options.AddUserProfilePreference("profile.managed_default_content_settings.javascript", 2);
        }

        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromSeconds(90));
        Driver.Manage().Timeouts().PageLoad = TimeSpan.FromSeconds(60);
        Driver.Manage().Timeouts().ImplicitWait = TimeSpan.Zero;
    }

    public ChromeDriver Driver { get; }

    public string Url => Driver.Url;

    public string Title => Driver.Title;

    public string Text => Driver.FindElement(By.TagName("main")).Text;

    public void Open(string path) => Driver.Navigate().GoToUrl(new Uri(_base, path));

    public IWebElement Find(string css) => Driver.FindElement(By.CssSelector(css));

    public IReadOnlyCollection<IWebElement> FindAll(string css) => Driver.FindElements(By.CssSelector(css));

    public void Type(string css, string text)
    {
        var input = Find(css);
        input.Clear();
        input.SendKeys(text);
    }

    /// <summary>Clicks and waits for the next page to load (a form post or a link: a full navigation, no script).</summary>
    public void ClickAndWait(string css)
    {
        var old = Find("html");
        Find(css).Click();
        new WebDriverWait(Driver, TimeSpan.FromSeconds(30)).Until(_ =>
        {
            try
            {
                return old.TagName.Length == 0;
            }
            catch (StaleElementReferenceException)
            {
                return true;
            }
            catch (UnknownErrorException e) when (e.Message.Contains("does not belong to the document", StringComparison.Ordinal))
            {
                // Chromium's way of saying the same while the old document is being torn down.
                return true;
            }
        });
    }

    /// <summary>A PNG of the page in TestResults/portal/{name}.png.</summary>
    public string Screenshot(string name)
    {
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    /// <summary>axe-core's violations of impact serious or critical on the page, as readable lines (empty when none).</summary>
    public IReadOnlyList<string> SeriousAccessibilityViolations()
    {
        Driver.ExecuteScript(AxeScript.Value);
        var json = (string?)Driver.ExecuteAsyncScript(
            "const done = arguments[arguments.length - 1];" +
            "axe.run(document, { resultTypes: ['violations'] }).then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }])));");
        using var violations = System.Text.Json.JsonDocument.Parse(json ?? "[]");
        return violations.RootElement.EnumerateArray()
            .Where(v => v.GetProperty("impact").GetString() is "serious" or "critical")
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at " +
                string.Join(", ", v.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("target").ToString())))
            .ToList();
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
    }
}

/// <summary>
/// A browser test: skipped, with the reason, only when no chromium is installed and CI is not set. In CI it always runs
/// (and fails when the browser is missing).
/// </summary>
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if ((Browser.ChromiumPath is null || Browser.DriverPath is null) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = "chromium and chromium-driver are not installed (scripts/test installs them with apt-get when run as root)";
        }
    }
}
