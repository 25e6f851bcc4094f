package web_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences"
)

// consoleProblems collects what Chromium reports as errors on the page — Content Security
// Policy violations among them — and uncaught exceptions, from now on.
func consoleProblems(t *testing.T, ctx context.Context) func() []string {
	t.Helper()
	var mu sync.Mutex
	var problems []string
	must(t, chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *cdplog.EventEntryAdded:
			if ev.Entry.Level == cdplog.EntryLevelError {
				problems = append(problems, ev.Entry.Text)
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, ev.ExceptionDetails.Text)
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				for _, a := range ev.Args {
					problems = append(problems, string(a.Value))
				}
			}
		}
	}))
	_, err := chromedp.Call(ctx, cdplog.Enable, cdp.Empty{})
	must(t, err)
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// The admin's htmx swaps — the rule builder, the audience chooser, the block preview, the
// sync status — leave the browser console clean: no Content-Security-Policy violation, no
// script error.
func TestBrowserConsoleStaysCleanAcrossSwaps(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	withCDP(t, a)
	if _, err := a.full.Syncer.Run(context.Background(), audiences.TriggerManual); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	problems := consoleProblems(t, ctx)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	startAudienceRule(t, ctx, a.server.URL, "Clean console")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-c.0.values"] input[type=checkbox][value="1"]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="conditions-sentence"]').textContent.includes('Abandoned cart')`)
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks/new"), chromedp.WaitVisible(css(`[data-testid="block-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.SendKeys(css(`#content`), `<h2>Hello</h2>`)))
	waitJS(t, ctx, `document.querySelector('[data-testid="block-preview"] .preview-body').innerHTML.includes('Hello')`)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-audience_ids"] input[type=checkbox][value="1"]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="chosen-audience_ids"]').textContent.includes('Abandoned cart')`)
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/audiences"), chromedp.WaitVisible(css(`[data-testid="sync-now"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="sync-now"]`)), chromedp.WaitVisible(css(`[data-testid="sync-result"]`))))
	// Boosted navigation through the admin's areas (htmx swaps the body).
	for _, nav := range []string{"nav-pricerules", "nav-blocks", "nav-placements", "nav-preview", "nav-config", "nav-dashboard"} {
		waitSettled(t, ctx)
		must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="`+nav+`"]`))))
		waitJS(t, ctx, `document.querySelector('[data-testid="`+nav+`"]').classList.contains('current')`)
	}
	// The reference storefront's pages too.
	for _, path := range []string{"/store", "/store/products", "/store/cart", "/store/account/login"} {
		must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+path), chromedp.WaitReady("body")))
	}
	time.Sleep(300 * time.Millisecond)
	var bad []string
	for _, p := range problems() {
		// favicon requests of the test server are not the page's.
		if !strings.Contains(p, "favicon") {
			bad = append(bad, p)
		}
	}
	if len(bad) > 0 {
		t.Fatalf("console errors:\n%s", strings.Join(bad, "\n"))
	}
}
