package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences"
)

// The whole journey: an admin builds "buy 2 get 1 free" and a hero block for an audience in
// the browser; a shopper with no membership sees neither; once the membership cookie names
// the audience (as the Web SDK script writes it) the banner shows on the home page and the
// discount on the cart page; once it no longer does, both are gone — with no cache to clean.
func TestBrowserAudienceOffersFollowTheShopper(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	_, cdp := withCDP(t, a)
	bg := context.Background()
	if _, err := a.full.Syncer.Run(bg, audiences.TriggerManual); err != nil {
		t.Fatal(err)
	}
	csv := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Running tee,25.00,0.2,Tees,base,\n"
	if _, err := a.full.Catalog.Import(bg, actorT(), strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")

	// The rule, for audience 1 ("Abandoned cart").
	startAudienceRule(t, ctx, a.server.URL, "Come back: buy 2 get 1 free")
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="customer_group_ids"] input[value="0"]').checked = true`)); err != nil {
		t.Fatal(err)
	}
	// Ticking the audience shows the form again at once (the sentence follows): wait for it.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-c.0.values"] input[type=checkbox][value="1"]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="conditions-sentence"]').textContent.includes('Abandoned cart')`)
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(css(`[data-testid="action-type"]`), "buy_x_get_y"),
		chromedp.SetValue(css(`#amount`), "1"),
		chromedp.SetValue(css(`#step`), "2"),
		chromedp.SendKeys(css(`#default_label`), "Buy 2, get 1 free"),
		chromedp.Click(css(`[data-testid="save-rule"]`)),
	))
	waitJS(t, ctx, `(document.querySelector('[data-testid="flash-success"]') || {}).textContent?.includes('You saved the rule') || !!document.querySelector('[data-testid="form-errors"]')`)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="form-errors"]').length`)); n != 0 {
		t.Fatalf("the rule was refused: %s", text(t, ctx, `[data-testid="form-errors"]`))
	}
	waitSettled(t, ctx)

	// The hero block for the same audience, placed on home.hero.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks/new"), chromedp.WaitVisible(css(`[data-testid="block-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#name`), "Come back hero"),
		chromedp.SetValue(css(`#type`), "content"),
		chromedp.Click(css(`[data-testid="chooser-audience_ids"] input[type=checkbox][value="1"]`)),
		chromedp.SendKeys(css(`#content`), `<h2>Your cart misses you</h2><p>Buy 2 tees, get the third free.</p>`),
		chromedp.Click(css(`[data-testid="save-block"]`)),
	))
	waitJS(t, ctx, `(document.querySelector('[data-testid="flash-success"]') || {}).textContent?.includes('You saved the dynamic block')`)
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks/placements/new"), chromedp.WaitVisible(css(`[data-testid="placement-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#title`), "Home hero"),
		chromedp.Click(css(`[data-testid="placement-blocks"] input[type=checkbox][value="1"]`)),
		chromedp.Click(css(`[data-testid="save-placement"]`)),
	))
	waitJS(t, ctx, `(document.querySelector('[data-testid="placements-grid"]') || {}).textContent?.includes('Come back hero')`)

	// A shopper with no membership: no banner, no discount.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store"), chromedp.WaitVisible(css(`[data-testid="home-hero"]`))))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="hero-block"]').length`)); n != 0 {
		t.Fatal("the banner shows to a shopper outside the audience")
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store/products"), chromedp.WaitVisible(css(`[data-testid="add-TEE-1"]`)),
		chromedp.SetValue(css(`[data-testid="qty-TEE-1"]`), "3"), chromedp.Click(css(`[data-testid="add-TEE-1"]`))))
	waitJS(t, ctx, `!!document.querySelector('[data-testid="total-grand"]')`)
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="discount-label"]').length`)); n != 0 {
		t.Fatal("the discount applies outside the audience")
	}
	before := text(t, ctx, `[data-testid="total-grand"]`)

	// Joining: the membership cookie as the storefront script writes it.
	setCookie := func(cookie string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.cookie = "`+cookie+`"`)); err != nil {
			t.Fatal(err)
		}
	}
	setCookie("aep-segments-membership=" + cdp[0] + "; path=/")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store"), chromedp.WaitVisible(css(`[data-testid="hero-block"]`))))
	if got := text(t, ctx, `[data-testid="hero-block"]`); !strings.Contains(got, "Your cart misses you") {
		t.Fatalf("banner %q", got)
	}
	screenshot(t, ctx, "50-journey-member-home")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store/cart"), chromedp.WaitVisible(css(`[data-testid="total-grand"]`))))
	if got := text(t, ctx, `[data-testid="discount-label"]`); got != "Buy 2, get 1 free" {
		t.Fatalf("discount label %q", got)
	}
	if got := text(t, ctx, `[data-testid="line-discount"]`); got != "-USD 25.00" {
		t.Fatalf("line discount %q", got)
	}
	screenshot(t, ctx, "51-journey-member-cart")

	// Leaving: both are gone at once.
	setCookie("aep-segments-membership=; path=/; max-age=0")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store/cart"), chromedp.WaitVisible(css(`[data-testid="total-grand"]`))))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="discount-label"]').length`)); n != 0 {
		t.Fatal("the discount stayed after leaving the audience")
	}
	if got := text(t, ctx, `[data-testid="total-grand"]`); got != before {
		t.Fatalf("grand total after leaving %q, before joining %q", got, before)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/store"), chromedp.WaitVisible(css(`[data-testid="home-hero"]`))))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid="hero-block"]').length`)); n != 0 {
		t.Fatal("the banner stayed after leaving the audience")
	}
}
