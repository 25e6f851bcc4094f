package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// browser starts headless Debian chromium for a journey test. It skips when chromium is
// missing, unless REQUIRE_BROWSER=1 (CI), where that is a failure.
func browser(t *testing.T) context.Context {
	t.Helper()
	if os.Getenv("SKIP_BROWSER") == "1" {
		t.Skip("SKIP_BROWSER=1")
	}
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("REQUIRE_BROWSER") == "1" {
			t.Fatal("chromium is required (REQUIRE_BROWSER=1): apt-get install -y chromium")
		}
		t.Skip("chromium not installed: apt-get install -y chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck, chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1360, 900),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// Chromium's own temporary files (with disable-dev-shm-usage, its shared memory) go
		// to a directory of the test's, removed afterwards, not to /tmp. Its path is short:
		// Chromium puts a Unix socket there, and a socket path over 107 bytes (a long test
		// name in t.TempDir()'s) makes it fail to start.
		chromedp.Env("TMPDIR=" + shortTempDir(t)),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// screenshot saves the page to $SCREENSHOT_DIR/name.png when that variable is set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// shortTempDir is a temporary directory with a short path, removed when the test ends.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "cr")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// css is shorthand for a CSS selector.
func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
	must(t, err)
	return strings.TrimSpace(v)
}

// waitJS waits up to 5 seconds for a JavaScript condition to hold in the page.
func waitJS(t *testing.T, ctx context.Context, cond string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](cond))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error %v)", cond, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// waitSettled waits until htmx has no request, swap or settle in progress, so that the next
// action meets the page that will stay.
func waitSettled(t *testing.T, ctx context.Context) {
	t.Helper()
	waitJS(t, ctx, `document.readyState === 'complete' && !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')`)
	time.Sleep(50 * time.Millisecond)
	waitJS(t, ctx, `!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')`)
}

// signInBrowser signs in through the sign-in form and waits for the dashboard.
func signInBrowser(t *testing.T, ctx context.Context, base, user, password string) {
	t.Helper()
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(base+"/admin"),
		chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
		chromedp.SendKeys(css(`#username`), user),
		chromedp.SendKeys(css(`#password`), password),
	))
	screenshot(t, ctx, "01-sign-in")
	must(t, chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid="sign-in"]`)),
		chromedp.WaitVisible(css(`[data-testid="setup-checklist"]`)),
	))
	waitSettled(t, ctx)
}

func TestBrowserConfigureDatastreamForWebsite(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	if title := text(t, ctx, `[data-testid="page-title"]`); title != "Dashboard" {
		t.Fatalf("after sign-in the title is %q", title)
	}
	screenshot(t, ctx, "02-dashboard")

	// Store the client secret at the default scope.
	must(t, chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid="nav-config"]`)),
		chromedp.WaitVisible(css(`[data-testid="services-form"]`)),
		chromedp.SendKeys(css(`#audiences-client_id`), "abcdef0123456789abcdef0123456789"),
		chromedp.SendKeys(css(`#audiences-client_secret`), clientSecret),
		chromedp.Click(css(`[data-testid="save-config"]`)),
		chromedp.WaitVisible(css(`[data-testid="flash-success"]`)),
	))
	waitSettled(t, ctx)
	screenshot(t, ctx, "03-services-default")

	// Switch the scope to the Main Website and save its datastream ID.
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(css(`[data-testid="scope-select"]`), "base"),
		chromedp.Click(css(`[data-testid="scope-switch"]`)),
		chromedp.WaitVisible(css(`[data-testid="use-default-experience_platform-datastream_id"]`)),
	))
	waitSettled(t, ctx)
	if scope := text(t, ctx, `[data-testid="scope-name"]`); scope != "Website: Main Website" {
		t.Fatalf("scope after switching: %q", scope)
	}
	// The field inherits the default until "Use Default Value" is unchecked.
	waitJS(t, ctx, `document.querySelector('#experience_platform-datastream_id').disabled === true`)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="use-default-experience_platform-datastream_id"]`))))
	waitJS(t, ctx, `document.querySelector('#experience_platform-datastream_id').disabled === false`)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#experience_platform-datastream_id`), datastream),
		chromedp.Click(css(`[data-testid="save-config"]`)),
		chromedp.WaitVisible(css(`[data-testid="flash-success"]`)),
	))

	// Reload: the datastream ID is there, and the secret shows only as a mask.
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`#experience_platform-datastream_id`))))
	screenshot(t, ctx, "04-services-website")
	value, err := chromedp.Run(ctx, chromedp.Value(css(`#experience_platform-datastream_id`)))
	must(t, err)
	if value != datastream {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		t.Fatalf("datastream ID after reload: %q (at %s, scope %q)", value, loc, text(t, ctx, `[data-testid="scope-name"]`))
	}
	note := text(t, ctx, `[data-testid="secret-audiences-client_secret"]`)
	masks, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="secret-audiences-client_secret"] .mask').length`))
	must(t, err)
	if masks != 1 || !strings.Contains(note, "Stored encrypted") {
		t.Fatalf("client secret not shown masked: %q (%d masks)", note, masks)
	}
	html, err := chromedp.Run(ctx, chromedp.OuterHTML(css(`html`)))
	must(t, err)
	if strings.Contains(html, clientSecret) {
		t.Fatal("the client secret reached the browser")
	}
}
