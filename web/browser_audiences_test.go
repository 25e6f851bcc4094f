package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences/cdpemu"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/stores"
)

// rowsText returns the audience names in the grid.
func gridNames(t *testing.T, ctx context.Context) []string {
	t.Helper()
	names, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="audience-name"]')).map(e => e.textContent)`))
	must(t, err)
	return names
}

func TestBrowserSyncAndBrowseAudiences(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	emu := cdpemu.New("abcdef0123456789abcdef0123456789", clientSecret, "ABCDEF0123456789ABCDEF01@AdobeOrg", "prod")
	t.Cleanup(emu.Close)
	ids := emu.Seed(52)
	emu.Activate(emu.AddDestination(datastream), ids[:40]...)
	emu.Activate(emu.AddDestination(dsSecond), ids[30:]...)
	if _, err := a.full.Stores.SaveWebsite(context.Background(), audit.Actor{Username: "t"}, stores.Website{Code: "second", Name: "Second Website"}); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")

	// The empty state leads to the configuration.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="nav-audiences"]`)), chromedp.WaitVisible(css(`[data-testid="audiences-unconfigured"]`))))
	screenshot(t, ctx, "10-audiences-unconfigured")

	// Credentials pointing at the emulator, typed into the Services form.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(a.server.URL+"/admin/config/services"),
		chromedp.WaitVisible(css(`[data-testid="services-form"]`)),
		chromedp.SetValue(css(`#audiences-sandbox_name`), "prod"),
		chromedp.SendKeys(css(`#audiences-client_id`), emu.ClientID),
		chromedp.SendKeys(css(`#audiences-client_secret`), emu.ClientSecret),
		chromedp.SendKeys(css(`#audiences-organization_id`), emu.OrgID),
		chromedp.SetValue(css(`#audiences-ims_url`), emu.URL()),
		chromedp.SetValue(css(`#audiences-platform_url`), emu.URL()),
		chromedp.Click(css(`[data-testid="save-config"]`)),
		chromedp.WaitVisible(css(`[data-testid="flash-success"]`)),
	))
	waitSettled(t, ctx)
	// Test connection before any datastream is set: the step that needs them says so.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="test-connection"]`))))
	waitJS(t, ctx, `!!document.querySelector('[data-testid="connection-report"]')`)
	if msg := text(t, ctx, `[data-testid="step-failed"]`); !strings.Contains(msg, "Destination connections") || !strings.Contains(msg, "datastream ID") {
		t.Fatalf("test connection without datastreams: %q", msg)
	}
	for code, ds := range map[string]string{"base": datastream, "second": dsSecond} {
		must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/config/services?website="+code),
			chromedp.WaitVisible(css(`[data-testid="use-default-experience_platform-datastream_id"]`))))
		waitSettled(t, ctx)
		waitJS(t, ctx, `document.querySelector('#experience_platform-datastream_id').disabled === true`)
		must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="use-default-experience_platform-datastream_id"]`))))
		// Wait for the field to be enabled before typing: chromedp v0.23's SendKeys reads the
		// node's attributes unlocked, a data race with the "disabled" attribute's removal.
		waitJS(t, ctx, `document.querySelector('#experience_platform-datastream_id').disabled === false`)
		must(t, chromedp.Do(ctx,
			chromedp.SendKeys(css(`#experience_platform-datastream_id`), ds),
			chromedp.Click(css(`[data-testid="save-config"]`)),
			chromedp.WaitVisible(css(`[data-testid="flash-success"]`)),
		))
	}

	// Test connection again: every step passes, and each website says what it matched.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/config/services#test-connection"), chromedp.WaitVisible(css(`[data-testid="test-connection"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="test-connection"]`))))
	waitJS(t, ctx, `document.querySelectorAll('[data-testid="step-ok"]').length === 6`)
	if rows := text(t, ctx, `[data-testid="connection-websites"]`); !strings.Contains(rows, "Main Website") || !strings.Contains(rows, "40") || !strings.Contains(rows, "22") {
		t.Fatalf("websites: %q", rows)
	}
	must(t, chromedp.Do(ctx, chromedp.ScrollIntoView(css(`[data-testid="connection-report"]`))))
	screenshot(t, ctx, "10b-test-connection")

	// Sync now: progress, then the grid fills without a reload.
	must(t, chromedp.Do(ctx,
		chromedp.Navigate(a.server.URL+"/admin/audiences"),
		chromedp.WaitVisible(css(`[data-testid="sync-now"]`)),
	))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid="sync-now"]`)),
		chromedp.WaitVisible(css(`[data-testid="sync-result"]`)),
	))
	waitJS(t, ctx, `document.querySelectorAll('[data-testid="audience-row"]').length === 20`)
	if got := text(t, ctx, `[data-testid="pager-total"]`); got != "52 of 52 audiences" {
		t.Fatalf("after sync: %q", got)
	}
	screenshot(t, ctx, "11-audiences-dashboard")

	// Search.
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`[data-testid="audience-search"]`), "cart"),
		chromedp.Click(css(`[data-testid="apply-filters"]`)),
	))
	waitJS(t, ctx, `document.querySelectorAll('[data-testid="audience-row"]').length === 2`)
	for _, n := range gridNames(t, ctx) {
		if !strings.Contains(strings.ToLower(n), "cart") {
			t.Fatalf("search result %q", n)
		}
	}

	// Sort by Last Modified: oldest first.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/audiences"), chromedp.WaitVisible(css(`[data-testid="sort-modified"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="sort-modified"]`))))
	waitJS(t, ctx, `location.search.includes('sort=modified')`)
	waitJS(t, ctx, `document.querySelector('[data-testid="audience-name"]').textContent === 'Lookalike: top customers'`)

	// Filter by website.
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(css(`[data-testid="filter-website"]`), "second"),
		chromedp.Click(css(`[data-testid="apply-filters"]`)),
	))
	waitJS(t, ctx, `location.search.includes('website=second')`)
	waitSettled(t, ctx)
	waitJS(t, ctx, `document.querySelector('[data-testid="pager-total"]').textContent === '22 of 52 audiences'`)
	websites, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll('[data-testid="audience-websites"]')).map(e => e.textContent)`))
	must(t, err)
	for _, w := range websites {
		if !strings.Contains(w, "Second Website") {
			t.Fatalf("website filter shows %q", w)
		}
	}
	screenshot(t, ctx, "12-audiences-filtered")

	// Page 2.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/audiences"), chromedp.WaitVisible(css(`[data-testid="pager-next"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="pager-next"]`))))
	waitJS(t, ctx, `location.search.includes('page=2')`)
	waitSettled(t, ctx)
	waitJS(t, ctx, `document.querySelector('[data-testid="pager-count"]').textContent === '21–40 of 52'`)
	if names := gridNames(t, ctx); len(names) != 20 || names[0] == "Abandoned cart" {
		t.Fatalf("page 2: %v", names)
	}

	// An audience's page.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="audience-name"]`))))
	waitJS(t, ctx, `/^\/admin\/audiences\/\d+$/.test(location.pathname)`)
	waitSettled(t, ctx)
	if body := text(t, ctx, `main`); !strings.Contains(body, "CDP audience ID") {
		t.Fatalf("audience page shows: %.300s", body)
	}
	screenshot(t, ctx, "13-audience-page")
}
