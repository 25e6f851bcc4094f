package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

// The rule editor's error banner names each field with a problem and links to it, and
// the condition list starts on "Choose…" (adding nothing until a condition is chosen).
func TestRuleEditorErrorBannerLinksTheFields(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/price-rules/new")
	if got := p.doc.Find(`[data-testid="add-select-c"] option[selected]`).Text(); got != "Choose a condition to add…" {
		t.Fatalf("the condition select starts on %q", got)
	}
	f := formOf(p, "#rule-form")
	f.Set("tree_op", "add:c") // Add with nothing chosen adds nothing
	p = c.post("/admin/price-rules", f)
	if p.doc.Find(`[data-testid="conditions"] .cond-children > li:not(.cond-add)`).Length() != 0 {
		t.Fatal("Add with nothing chosen added a condition")
	}
	f = formOf(p, "#rule-form")
	f.Del("tree_op")
	f.Set("name", "")
	f.Set("amount", "abc")
	f.Del("website_ids")
	p = c.post("/admin/price-rules", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	links := map[string]string{}
	p.doc.Find(`[data-testid="form-errors"] a`).Each(func(_ int, a *goquery.Selection) { links[a.Text()] = a.AttrOr("href", "") })
	for label, href := range map[string]string{"Rule name": "#name", "Websites": "#website_ids", "Discount amount": "#amount"} {
		if links[label] != href {
			t.Errorf("banner link %q → %q, want %q (all: %v)", label, links[label], href, links)
		}
		if p.doc.Find(href).Length() != 1 {
			t.Errorf("nothing on the page has the id %s", href)
		}
	}
	if !strings.Contains(p.text(`[data-testid="form-errors"]`), "Nothing was saved") {
		t.Fatal("banner text")
	}
}

// A condition that does not compile is marked beside it, and the banner links there.
func TestRuleEditorMarksTheConditionAtFault(t *testing.T) {
	_, c := signedIn(t)
	f := formOf(c.get("/admin/price-rules/new"), "#rule-form")
	f.Set("name", "Big carts")
	f.Set("add:c", "cart:subtotal")
	f.Set("tree_op", "add:c")
	p := c.post("/admin/price-rules", f)
	f = formOf(p, "#rule-form")
	f.Del("tree_op")
	f.Set("c.0.value", "abc")
	p = c.post("/admin/price-rules", f)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if msg := p.text(`[data-testid="error-c.0"]`); !strings.Contains(msg, "abc") {
		t.Fatalf("the leaf's own error: %q (page: %q)", msg, p.text(`[data-testid="conditions"]`))
	}
	if href := p.doc.Find(`[data-testid="form-errors"] a`).FilterFunction(func(_ int, a *goquery.Selection) bool { return a.Text() == "Conditions" }).AttrOr("href", ""); href != "#cond-c-0" || p.doc.Find("#cond-c-0.has-error").Length() != 1 {
		t.Fatalf("banner link %q", href)
	}
}
