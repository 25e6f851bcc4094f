package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"audienceactivation/internal/audiences"
)

func TestBrowserBlockForAudienceOnHomeHero(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	withCDP(t, a)
	if _, err := a.full.Syncer.Run(context.Background(), audiences.TriggerManual); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks/new"), chromedp.WaitVisible(css(`[data-testid="block-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.SendKeys(css(`#name`), "Runners hero"),
		chromedp.SetValue(css(`#type`), "content"),
		chromedp.Click(css(`[data-testid="chooser-audience_ids"] input[type=checkbox][value="1"]`)),
		chromedp.SendKeys(css(`#content`), `<h2>Winter run</h2><p><a href="/sale">Shop the sale</a></p><img src="/static/img/favicon.svg" alt="Run" width="60" onerror="alert(1)">`),
	))
	// The live preview shows the sanitized content as it is typed.
	waitJS(t, ctx, `document.querySelector('[data-testid="block-preview"] .preview-body').innerHTML.includes('Shop the sale')`)
	screenshot(t, ctx, "30-block-editor")
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="save-block"]`))))
	waitJS(t, ctx, `(document.querySelector('[data-testid="flash-success"]') || {}).textContent?.includes('You saved the dynamic block')`)
	if msg := text(t, ctx, `[data-testid="flash-info"]`); !strings.Contains(msg, "onerror attribute on <img>") {
		t.Fatalf("removal not reported: %q", msg)
	}
	// Saved, the block says it is shown nowhere yet, and links to placing it.
	if msg := text(t, ctx, `[data-testid="block-not-placed"]`); !strings.Contains(msg, "not shown anywhere yet") {
		t.Fatalf("not-placed warning %q", msg)
	}
	screenshot(t, ctx, "30b-block-not-placed")
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="place-block"]`)), chromedp.WaitVisible(css(`[data-testid="placement-form"]`))))
	waitSettled(t, ctx)
	// The new placement starts with the block chosen; the location is chosen from a list.
	waitJS(t, ctx, `document.querySelector('[data-testid="placement-blocks"] input[type=checkbox][value="1"]').checked && document.querySelector('#location').tagName === 'SELECT'`)
	must(t, chromedp.Do(ctx,
		chromedp.SetValue(css(`#title`), "Home hero"),
		chromedp.SetValue(css(`#location`), "home.hero"),
		chromedp.Click(css(`[data-testid="save-placement"]`)),
	))
	waitJS(t, ctx, `(document.querySelector('[data-testid="placements-grid"]') || {}).textContent?.includes('Runners hero')`)
	waitSettled(t, ctx)
	screenshot(t, ctx, "31-placements")
	// Placements are in the navigation, and the block now lists where it shows.
	if n := text(t, ctx, `nav a.current`); n != "Block Placements" {
		t.Fatalf("active navigation item %q", n)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks/1/edit"), chromedp.WaitVisible(css(`[data-testid="block-placements"]`))))
	if got := text(t, ctx, `[data-testid="block-placements"]`); !strings.Contains(got, "Home hero — Home page hero (home.hero)") {
		t.Fatalf("block placements %q", got)
	}
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/dynamic-blocks"), chromedp.WaitVisible(css(`[data-testid="blocks-grid"]`))))
	if got := text(t, ctx, `[data-testid="block-audiences"]`); got != "Abandoned cart" {
		t.Fatalf("grid audiences %q", got)
	}
	screenshot(t, ctx, "32-blocks-grid")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/audiences/1"), chromedp.WaitVisible(css(`[data-testid="used-by"]`))))
	if got := text(t, ctx, `[data-testid="used-by"]`); !strings.Contains(got, "Runners hero") {
		t.Fatalf("used by %q", got)
	}

	// The preview shows the block to a shopper in the audience, with reasons otherwise.
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/preview"), chromedp.WaitVisible(css(`[data-testid="preview-form"]`))))
	waitSettled(t, ctx)
	must(t, chromedp.Do(ctx,
		chromedp.Click(css(`[data-testid="chooser-audience_ids"] input[type=checkbox][value="1"]`)),
		chromedp.Click(css(`[data-testid="run-preview"]`)),
	))
	waitJS(t, ctx, `!!document.querySelector('[data-testid="preview-results"]')`)
	waitSettled(t, ctx)
	if got := text(t, ctx, `[data-testid="placement-result"]`); !strings.Contains(got, "Shows: Runners hero") {
		t.Fatalf("preview: %q", got)
	}
	screenshot(t, ctx, "33-preview")
}
