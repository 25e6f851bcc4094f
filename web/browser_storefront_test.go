package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/web"
)

// A shopper joins and leaves an audience with the demo panel: the hero follows at once,
// with no cache to clean.
func TestBrowserShopperJoinsAndLeavesAnAudience(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), func(d *web.Deps) { d.DemoMode = true })
	withCDP(t, a)
	ctx := context.Background()
	if _, err := a.full.Syncer.Run(ctx, audiences.TriggerManual); err != nil {
		t.Fatal(err)
	}
	b, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Come back", Enabled: true, Type: dynamicblocks.TypeContent,
		AudienceIDs: []int64{1}, Content: `<h2>Your cart misses you</h2>`})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Hero", Location: "home.hero",
		Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}}); err != nil {
		t.Fatal(err)
	}
	bc := browser(t)
	must(t, chromedp.Do(bc, chromedp.Navigate(a.server.URL+"/store"), chromedp.WaitVisible(css(`[data-testid="demo-panel"]`))))
	if n, _ := chromedp.Run(bc, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="hero-block"]').length`)); n != 0 {
		t.Fatal("hero shown before joining")
	}
	must(t, chromedp.Do(bc, chromedp.Click(css(`[data-testid="demo-Abandoned cart"]`)), chromedp.Click(css(`[data-testid="demo-apply"]`))))
	waitJS(t, bc, `!!document.querySelector('[data-testid="hero-block"]')`)
	if got := text(t, bc, `[data-testid="hero-block"]`); !strings.Contains(got, "Your cart misses you") {
		t.Fatalf("hero %q", got)
	}
	screenshot(t, bc, "40-storefront-member")
	must(t, chromedp.Do(bc, chromedp.Click(css(`[data-testid="demo-Abandoned cart"]`)), chromedp.Click(css(`[data-testid="demo-apply"]`))))
	waitJS(t, bc, `!document.querySelector('[data-testid="hero-block"]') && !!document.querySelector('[data-testid="hero-default"]')`)
}
