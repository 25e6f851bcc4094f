package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/db/dbtest"
)

// TestBrowserTwoFactorJourney: a new admin enrols two-factor sign-in at the first sign-in
// (QR code and typed key), saves the recovery codes, signs out, signs in with a code from
// the app, signs out again and signs in with a recovery code.
func TestBrowserTwoFactorJourney(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), enforceTwoFactor)
	a.createAdmin("admin", "correct-horse-1")
	ctx := browser(t)
	password := func() {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.Navigate(a.server.URL+"/admin"),
			chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
			chromedp.SendKeys(css(`#username`), "admin"),
			chromedp.SendKeys(css(`#password`), "correct-horse-1"),
			chromedp.Click(css(`[data-testid="sign-in"]`)),
		))
	}
	signOut := func() {
		t.Helper()
		must(t, chromedp.Do(ctx,
			chromedp.Click(css(`[data-testid="sign-out"]`)),
			chromedp.WaitVisible(css(`[data-testid="login-form"]`)),
		))
		waitSettled(t, ctx)
	}

	password()
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(css(`[data-testid="two-factor-setup-form"]`))))
	waitSettled(t, ctx)
	screenshot(t, ctx, "2fa-01-setup")
	// The QR code is an image the page really shows (a data: URI the CSP allows).
	waitJS(t, ctx, `document.querySelector('[data-testid="totp-qr"]').complete && document.querySelector('[data-testid="totp-qr"]').naturalWidth > 0`)
	secret := text(t, ctx, `[data-testid="totp-secret"]`)
	start := time.Now()
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#code`), totpCode(t, secret, start)),
		chromedp.Click(css(`[data-testid="verify"]`)),
		chromedp.WaitVisible(css(`[data-testid="recovery-codes"]`)),
	))
	waitSettled(t, ctx)
	screenshot(t, ctx, "2fa-02-recovery-codes")
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid="recovery-codes"] code')].map(c => c.textContent.trim())`))
	must(t, err)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown", len(codes))
	}
	must(t, chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid="continue"]`)),
		chromedp.WaitVisible(css(`[data-testid="setup-checklist"]`)),
	))
	waitSettled(t, ctx)
	signOut()

	// Sign in with a code from the app (the next time step: the enrolment code is spent).
	password()
	must(t, chromedp.Do(ctx, chromedp.WaitVisible(css(`[data-testid="two-factor-form"]`))))
	waitSettled(t, ctx)
	screenshot(t, ctx, "2fa-03-code")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#code`), totpCode(t, secret, start.Add(30*time.Second))),
		chromedp.Click(css(`[data-testid="verify"]`)),
		chromedp.WaitVisible(css(`[data-testid="setup-checklist"]`)),
	))
	waitSettled(t, ctx)
	if name := text(t, ctx, `[data-testid="admin-name"]`); name != "admin" {
		t.Fatalf("signed in as %q", name)
	}
	signOut()

	// A wrong code is refused on the page; a recovery code signs in.
	password()
	must(t, chromedp.Do(ctx,
		chromedp.WaitVisible(css(`[data-testid="two-factor-form"]`)),
		chromedp.SendKeys(css(`#code`), "000000"),
		chromedp.Click(css(`[data-testid="verify"]`)),
		chromedp.WaitVisible(css(`[data-testid="login-error"]`)),
	))
	waitSettled(t, ctx)
	screenshot(t, ctx, "2fa-04-wrong-code")
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#code`), codes[0]),
		chromedp.Click(css(`[data-testid="verify"]`)),
		chromedp.WaitVisible(css(`[data-testid="setup-checklist"]`)),
	))
	waitSettled(t, ctx)
	screenshot(t, ctx, "2fa-05-signed-in-with-recovery-code")
	if msg := text(t, ctx, `[data-testid="flash-info"]`); !strings.Contains(msg, "recovery code") || !strings.Contains(msg, "9 unused codes left") {
		t.Fatalf("after the recovery code: %q", msg)
	}
}

// TestBrowserSignInPageWithTwoFactorOff shows the development switch's warning.
func TestBrowserSignInPageWithTwoFactorOff(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	ctx := browser(t)
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(a.server.URL+"/admin/login"),
		chromedp.WaitVisible(css(`[data-testid="two-factor-off"]`)),
	))
	screenshot(t, ctx, "2fa-00-sign-in-2fa-off")
}

// TestBrowserMarketerSeesTheirMenuAndA403 checks in the browser that a Marketer's menu
// holds only their areas and that opening Admin Users shows the refusal page.
func TestBrowserMarketerSeesTheirMenuAndA403(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	a.createUser("marketer", "correct-horse-1", "marketer")
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "marketer", "correct-horse-1")
	screenshot(t, ctx, "roles-01-marketer-dashboard")
	groups, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('.sidenav .navgroup-label')].map(e => e.textContent.trim())`))
	must(t, err)
	if got := strings.Join(groups, ","); !strings.Contains(got, "Marketing") || strings.Contains(got, "System") || strings.Contains(got, "Stores") {
		t.Fatalf("marketer's menu groups: %q", got)
	}
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(a.server.URL+"/admin/users"),
		chromedp.WaitVisible(css(`[data-testid="error-page"]`)),
	))
	screenshot(t, ctx, "roles-02-marketer-403")
	if h := text(t, ctx, `[data-testid="page-title"]`); h != "You do not have access" {
		t.Fatalf("refusal page title %q", h)
	}
}
