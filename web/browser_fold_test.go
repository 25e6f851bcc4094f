package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// The editors group their fields in sections that fold; a folded section stays folded
// when the editor is opened again (remembered in the browser), and the form still saves
// what the folded fields hold.
func TestBrowserEditorSectionsFoldAndAreRemembered(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	ctx := browser(t)
	signInBrowser(t, ctx, a.server.URL, "admin", "correct-horse-1")
	must(t, chromedp.Do(ctx, chromedp.Navigate(a.server.URL+"/admin/price-rules/new"), chromedp.WaitVisible(css(`[data-testid="rule-form"]`))))
	waitSettled(t, ctx)
	waitJS(t, ctx, `document.querySelectorAll('#rule-form fieldset.section legend .fold').length >= 3`)
	must(t, chromedp.Do(ctx, chromedp.Click(css(`#rule-information legend .fold`))))
	waitJS(t, ctx, `document.querySelector('#rule-information').classList.contains('folded') && getComputedStyle(document.querySelector('#name')).display === 'none' || document.querySelector('#name').offsetParent === null`)
	must(t, chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(css(`[data-testid="rule-form"]`))))
	waitSettled(t, ctx)
	waitJS(t, ctx, `document.querySelector('#rule-information').classList.contains('folded')`)
	screenshot(t, ctx, "23-rule-editor-folded")
	// Saved with the section folded and its name empty: the error opens the section.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`[data-testid="save-rule"]`))))
	waitJS(t, ctx, `!!document.querySelector('[data-testid="form-errors"]') && !document.querySelector('#rule-information').classList.contains('folded')`)
	// Shown again, it unfolds for good.
	must(t, chromedp.Do(ctx, chromedp.Click(css(`#rule-information legend .fold`))))
	waitJS(t, ctx, `document.querySelector('#rule-information').classList.contains('folded') || document.querySelector('#rule-information .has-error') !== null`)
}
