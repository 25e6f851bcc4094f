package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences"
)

func TestBrowserBuildBuyXGetYRuleForAnAudience(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	withCDP(t, a)
	if _, err := a.full.Syncer.Run(context.Background(), audiences.TriggerManual); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")

	startAudienceRule(t, ctx, a.server.URL, "Runners: buy 2 get 1 free")
	// The builder kept what was typed before the condition was added.
	if v, _ := chromedp.Run(ctx, chromedp.Value(css(`#name`))); v != "Runners: buy 2 get 1 free" {
		t.Fatalf("name after adding a condition: %q", v)
	}
	// Ticking an audience confirms at once, before saving: the chosen names and the
	// condition sentence follow; unticking takes them back.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-c.0.values"] tr:nth-child(2) input[type=checkbox]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="conditions-sentence"]').textContent.includes('Asia Pacific')`)
	if got := text(t, ctx, `[data-testid="chosen-c.0.values"]`); !strings.Contains(got, "Asia Pacific") {
		t.Fatalf("chosen after ticking: %q", got)
	}
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-c.0.values"] tr:nth-child(2) input[type=checkbox]`))))
	waitJS(t, ctx, `!document.querySelector('[data-testid="conditions-sentence"]').textContent.includes('Asia Pacific')`)
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="chooser-c.0.values"] input[type=checkbox][value="1"]`))))
	waitJS(t, ctx, `document.querySelector('[data-testid="conditions-sentence"]').textContent.includes('Abandoned cart')`)
	waitSettled(t, ctx)
	if v, _ := chromedp.Run(ctx, chromedp.Value(css(`#name`))); v != "Runners: buy 2 get 1 free" {
		t.Fatalf("name after ticking an audience: %q", v)
	}
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(css(`[data-testid="action-type"]`), "buy_x_get_y"),
		chromedp.SetValue(css(`#amount`), "1"),
		chromedp.SetValue(css(`#step`), "2"),
	))
	screenshot(t, ctx, "20-rule-editor")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="save-rule"]`))))
	waitJS(t, ctx, `(document.querySelector('[data-testid="flash-success"]') || {}).textContent?.includes('You saved the rule') || !!document.querySelector('[data-testid="form-errors"]')`)
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="rule-form"]`))))
	waitSettled(t, ctx)
	for sel, want := range map[string]string{"#name": "Runners: buy 2 get 1 free", "#amount": "1", "#step": "2", `[data-testid="action-type"]`: "buy_x_get_y"} {
		if got, err := chromedp.Run(ctx, chromedp.Value(css(sel))); err != nil || got != want {
			t.Errorf("%s after reopening: %q (%v), want %q", sel, got, err, want)
		}
	}
	checked, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('[data-testid="chooser-c.0.values"] input[type=checkbox][value="1"]').checked`))
	if err != nil || !checked {
		t.Fatal("audience not chosen after reopening")
	}
	if s := text(t, ctx, `[data-testid="conditions-sentence"]`); !strings.Contains(s, "Abandoned cart") {
		t.Fatalf("sentence %q", s)
	}
	screenshot(t, ctx, "21-rule-saved")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/price-rules"), chromedp.WaitVisible(css(`[data-testid="rules-grid"]`))))
	screenshot(t, ctx, "22-rules-grid")
}

// startAudienceRule opens a new rule in the editor, names it, runs it on the main website
// and adds a "Real-Time CDP Audience is one of" condition, whose chooser is then open.
func startAudienceRule(t *testing.T, ctx context.Context, base, name string) {
	t.Helper()
	must(t, chromedp.Do(ctx, chromedp.Navigate(base+"/admin/price-rules/new"), chromedp.WaitVisible(css(`[data-testid="rule-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#name`), name),
		chromedp.Click(css(`[data-testid="website_ids"] input[value="1"]`)),
		chromedp.SetValue(css(`[data-testid="add-select-c"]`), "audience"),
		chromedp.Click(css(`[data-testid="add-c"]`)),
	))
	waitJS(t, ctx, `!!document.querySelector('[data-testid="chooser-c.0.values"]')`)
	waitSettled(t, ctx)
}
