package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// A marketer opens Reports › Audience Promotions after orders with and without the
// audience: the rule's card, its chart and the members/everyone-else table render.
func TestBrowserAudiencePromotionsReport(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	placeGuestOrder(t, a, member, "member@example.com", 3)
	placeGuestOrder(t, a, member, "member2@example.com", 6)
	placeGuestOrder(t, a, nil, "other@example.com", 2)
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="nav-reports"]`)), chromedp.WaitVisible(css(`[data-testid="report-chart"] svg`))))
	waitJS(t, ctx, `document.querySelectorAll('[data-testid="report-chart"] rect').length >= 28`)
	if got := text(t, ctx, `[data-testid="report-rule-applied"]`); got == "" {
		t.Fatal("no rule figures")
	}
	screenshot(t, ctx, "40-audience-promotions")
}
