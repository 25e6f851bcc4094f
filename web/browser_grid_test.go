package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// A merchant opens Sales › Orders, hides two columns with the column chooser, sees them
// gone (and still gone after a reload), and picks 50 per page from the page size menu.
func TestBrowserGridColumnChooser(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	placeGuestOrder(t, a, map[string]string{"aep-segments-membership": s.cdp[0]}, "member@example.com", 3)
	placeGuestOrder(t, a, nil, "other@example.com", 2)
	ctx := browser(t)
	problems := consoleProblems(t, ctx)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="nav-orders"]`)), chromedp.WaitVisible(css(`[data-testid="orders-grid"]`))))
	waitSettled(t, ctx)
	if !strings.Contains(text(t, ctx, `[data-testid="orders-grid"] thead`), "Coupon") {
		t.Fatal("no Coupon column at first")
	}
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="columns-toggle"]`)), chromedp.WaitVisible(css(`[data-testid="column-coupon"]`)),
		chromedp.Click(css(`[data-testid="column-coupon"]`)), chromedp.Click(css(`[data-testid="column-store_view"]`))))
	screenshot(t, ctx, "70-orders-column-chooser")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="columns-apply"]`))))
	waitJS(t, ctx, `!document.querySelector('[data-testid="orders-grid"] thead').textContent.includes('Coupon')`)
	waitSettled(t, ctx)
	if head := text(t, ctx, `[data-testid="orders-grid"] thead`); strings.Contains(head, "Store view") || !strings.Contains(head, "Grand total") {
		t.Fatalf("header after hiding: %q", head)
	}
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="orders-grid"]`))))
	if head := text(t, ctx, `[data-testid="orders-grid"] thead`); strings.Contains(head, "Coupon") {
		t.Fatalf("the hidden column is back after a reload: %q", head)
	}
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="page-size-current"]`)), chromedp.WaitVisible(css(`[data-testid="per-page-50"]`)),
		chromedp.Click(css(`[data-testid="per-page-50"]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="page-size-current"]').textContent.trim() === '50 per page'`)
	waitJS(t, ctx, `location.search.includes('per_page=50')`)
	if n := len(problems()); n > 0 {
		t.Fatalf("console problems: %v", problems())
	}
}
