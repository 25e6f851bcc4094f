package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/pricerules"
)

// formOf collects a page's form fields as a browser would submit them (checked boxes,
// selected options, text values).
func formOf(p page, sel string) url.Values {
	v := url.Values{}
	form := p.doc.Find(sel)
	form.Find("input").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		if name == "" || s.AttrOr("disabled", "x") != "x" {
			return
		}
		switch typ {
		case "checkbox", "radio":
			if _, ok := s.Attr("checked"); ok {
				v.Add(name, s.AttrOr("value", "on"))
			}
		case "submit", "button", "file":
		default:
			v.Add(name, s.AttrOr("value", ""))
		}
	})
	form.Find("select").Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		opt := s.Find("option[selected]").First()
		if opt.Length() == 0 {
			opt = s.Find("option").First()
		}
		if name != "" {
			v.Set(name, opt.AttrOr("value", ""))
		}
	})
	form.Find("textarea").Each(func(_ int, s *goquery.Selection) {
		if name, _ := s.Attr("name"); name != "" {
			v.Set(name, s.Text())
		}
	})
	return v
}

func TestRuleEditorBuildsSavesAndReopens(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()

	p := c.get("/admin/price-rules/new")
	wantStatus(t, p, http.StatusOK)
	f := formOf(p, "#rule-form")
	// Add an audience condition through the builder (no save yet).
	f.Set("add:c", "audience")
	f.Set("tree_op", "add:c")
	p = c.post("/admin/price-rules", f)
	wantStatus(t, p, http.StatusOK)
	if p.testid("chooser-c.0.values").Length() != 1 {
		t.Fatalf("no audience chooser after adding the condition: %s", p.text("#conditions"))
	}
	f = formOf(p, "#rule-form")
	f.Set("name", "Runners: buy 2 get 1 free")
	f.Set("action", "buy_x_get_y")
	f.Set("amount", "1")
	f.Set("step", "2")
	f.Set("default_label", "Buy 2, get 1 free")
	f.Add("c.0.values", "1")
	f.Add("website_ids", "1")
	f.Del("tree_op")
	p = c.post("/admin/price-rules", f)
	wantStatus(t, p, http.StatusSeeOther)
	edit := p.header.Get("Location")
	p = c.get(edit)
	if !strings.Contains(p.text(`[data-testid="flash-success"]`), "You saved the rule") {
		t.Fatalf("no saved message: %q", p.text("main"))
	}
	if p.doc.Find("#name").AttrOr("value", "") != "Runners: buy 2 get 1 free" || p.doc.Find("#amount").AttrOr("value", "") != "1" ||
		p.doc.Find("#step").AttrOr("value", "") != "2" || p.doc.Find(`#action option[selected]`).AttrOr("value", "") != "buy_x_get_y" {
		t.Fatal("reopened rule lost values")
	}
	if p.doc.Find(`input[name="c.0.values"][value="1"][checked]`).Length() != 1 {
		t.Fatal("reopened rule lost its audience")
	}
	if s := p.text(`[data-testid="conditions-sentence"]`); !strings.Contains(s, `Real-Time CDP Audience is one of "Abandoned cart"`) {
		t.Fatalf("sentence %q", s)
	}
	// The audiences dashboard shows the rule as a user of the audience.
	if !strings.Contains(c.get("/admin/audiences/1").text(`[data-testid="used-by"]`), "Runners: buy 2 get 1 free") {
		t.Fatal("audience page does not list the rule")
	}
	// The live snapshot sees the save at once.
	snap, err := a.full.LiveRules.Current(context.Background())
	if err != nil || snap.Len() != 1 {
		t.Fatalf("snapshot: %v", err)
	}

	// Two people edit: the second save is refused, nothing overwritten.
	stale := formOf(p, "#rule-form")
	fresh := formOf(p, "#rule-form")
	fresh.Set("priority", "3")
	wantStatus(t, c.post(edit[:strings.LastIndex(edit, "/")], fresh), http.StatusSeeOther)
	stale.Set("priority", "9")
	p = c.post(edit[:strings.LastIndex(edit, "/")], stale)
	wantStatus(t, p, http.StatusConflict)
	if p.testid("conflict").Length() != 1 || p.doc.Find("#priority").AttrOr("value", "") != "9" {
		t.Fatal("conflict not explained or typed values lost")
	}

	// Invalid: messages beside the fields, what was typed kept.
	bad := formOf(c.get("/admin/price-rules/new"), "#rule-form")
	bad.Set("name", "")
	bad.Set("amount", "ten")
	p = c.post("/admin/price-rules", bad)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-name"]`) == "" || p.text(`[data-testid="error-amount"]`) == "" || p.doc.Find("#amount").AttrOr("value", "") != "ten" {
		t.Fatal("validation messages or typed values missing")
	}

	// The grid, mass actions and duplicate.
	p = c.get("/admin/price-rules")
	if p.testid("rule-row").Length() != 1 || p.text(`[data-testid="rule-status"]`) != "Active" {
		t.Fatalf("grid: %q", p.testid("rules-grid").Text())
	}
	p = c.post("/admin/price-rules/1/duplicate", nil)
	wantStatus(t, p, http.StatusSeeOther)
	c.get("/admin/price-rules")
	p = c.post("/admin/price-rules/mass", url.Values{"ids": {"1", "2"}, "mass": {"deactivate"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := c.get("/admin/price-rules?status=inactive"); p.testid("rule-row").Length() != 2 {
		t.Fatal("mass deactivate")
	}
	c.post("/admin/price-rules/mass", url.Values{"ids": {"2"}, "mass": {"delete"}})
	if p := c.get("/admin/price-rules"); p.testid("rule-row").Length() != 2 || !strings.Contains(p.text(`[data-testid="flash-error"]`), "tick") {
		t.Fatal("delete without confirmation went through")
	}
	c.post("/admin/price-rules/mass", url.Values{"ids": {"2"}, "mass": {"delete"}, "confirm": {"1"}})
	if p := c.get("/admin/price-rules"); p.testid("rule-row").Length() != 1 {
		t.Fatal("confirmed delete")
	}
}

func TestGeneratedCoupons(t *testing.T) {
	a, c := signedIn(t)
	_ = a
	p := c.get("/admin/price-rules/new")
	f := formOf(p, "#rule-form")
	f.Set("name", "Newsletter codes")
	f.Add("website_ids", "1")
	f.Set("coupon_type", "auto")
	f.Set("amount", "15")
	wantStatus(t, c.post("/admin/price-rules", f), http.StatusSeeOther)
	p = c.get("/admin/price-rules/1/edit")
	if p.testid("coupons").Length() != 1 {
		t.Fatal("no coupon section for an Auto rule")
	}
	bad := c.post("/admin/price-rules/1/coupons/generate", url.Values{"qty": {"0"}, "length": {"3"}, "format": {"alphanumeric"}, "dash_every": {"0"}})
	wantStatus(t, bad, http.StatusUnprocessableEntity)
	if bad.text(`[data-testid="error-gen_qty"]`) == "" || bad.doc.Find("#gen_length").AttrOr("value", "") != "3" {
		t.Fatal("generator messages or typed values missing")
	}
	p = c.post("/admin/price-rules/1/coupons/generate", url.Values{"qty": {"25"}, "length": {"8"}, "format": {"numeric"}, "prefix": {"NL-"}, "dash_every": {"4"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/price-rules/1/edit")
	if p.text(`[data-testid="coupon-count"]`) != "25 coupon code(s)" || p.testid("coupon-row").Length() != 25 {
		t.Fatalf("coupons: %q", p.text(`[data-testid="coupon-count"]`))
	}
	code := strings.TrimSpace(p.testid("coupon-row").First().Find(".mono").Text())
	if len(code) != len("NL-1234-5678") || !strings.HasPrefix(code, "NL-") || code[7] != '-' {
		t.Fatalf("code shape %q", code)
	}
	csv := c.get("/admin/price-rules/1/coupons.csv")
	if csv.header.Get("Content-Type") != "text/csv; charset=utf-8" || strings.Count(csv.body, "\n") != 26 || !strings.Contains(csv.body, code) {
		t.Fatalf("csv: %q", csv.body[:min(200, len(csv.body))])
	}
	// A generated code works in the live snapshot.
	snap, _ := a.full.LiveRules.Current(context.Background())
	if !snap.CouponKnown(strings.ToLower(code)) {
		t.Fatal("generated code unknown to the engine")
	}
	id, _ := p.testid("coupon-row").First().Find("input").Attr("value")
	c.post("/admin/price-rules/1/coupons/delete", url.Values{"ids": {id}, "confirm": {"1"}})
	if p := c.get("/admin/price-rules/1/edit"); p.text(`[data-testid="coupon-count"]`) != "24 coupon code(s)" {
		t.Fatal("delete")
	}
}

func TestRulesImportExportPage(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	p := c.get("/admin/price-rules/new")
	f := formOf(p, "#rule-form")
	f.Set("name", "Export me")
	f.Add("website_ids", "1")
	f.Set("amount", "10")
	wantStatus(t, c.post("/admin/price-rules", f), http.StatusSeeOther)
	exp := c.get("/admin/price-rules/export.json")
	if !strings.Contains(exp.body, `"format": "audience-activation/price-rules"`) || !strings.Contains(exp.body, "Export me") {
		t.Fatalf("export: %.300s", exp.body)
	}
	p = c.get("/admin/price-rules/transfer")
	broken := strings.Replace(exp.body, `"base"`, `"nowhere"`, 1)
	p = c.postMultipart("/admin/price-rules/import", map[string]string{"rules_json": broken}, "", "", nil)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(`[data-testid="import-problems"]`), `website "nowhere" does not exist`) || !strings.Contains(p.doc.Find("#rules_json").Text(), "nowhere") {
		t.Fatalf("problems not listed or pasted text lost: %q", p.text(`[data-testid="import-problems"]`))
	}
	// The same file again updates the rule it names by code; without the code it adds one.
	p = c.postMultipart("/admin/price-rules/import", nil, "rules_file", "rules.json", []byte(exp.body))
	wantStatus(t, p, http.StatusSeeOther)
	if p := c.get("/admin/price-rules"); p.testid("rule-row").Length() != 1 || !strings.Contains(p.text(`[data-testid="flash-success"]`), "0 added, 1 updated") {
		t.Fatalf("re-import: %d rows, %q", p.testid("rule-row").Length(), p.text(`[data-testid="flash-success"]`))
	}
	uncoded := regexp.MustCompile(`"code": "[^"]*",\s*`).ReplaceAllString(exp.body, "")
	p = c.postMultipart("/admin/price-rules/import", nil, "rules_file", "rules.json", []byte(uncoded))
	wantStatus(t, p, http.StatusSeeOther)
	if p := c.get("/admin/price-rules"); p.testid("rule-row").Length() != 2 || !strings.Contains(p.text(`[data-testid="flash-success"]`), "1 added, 0 updated") {
		t.Fatalf("import without codes: %d rows", p.testid("rule-row").Length())
	}
}

func TestChooserPagesWithoutJavaScript(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	f := formOf(c.get("/admin/price-rules/new"), "#rule-form")
	f.Set("add:c", "audience")
	f.Set("tree_op", "add:c")
	p := c.post("/admin/price-rules", f)
	f = formOf(p, "#rule-form")
	f.Del("tree_op")
	f.Set("max_qty", "abc")
	f.Set("chooser_goto", "c.0.values:2")
	p = c.post("/admin/price-rules", f)
	wantStatus(t, p, http.StatusOK)
	if got := p.testid("chooser-c.0.values").Find(".pager span").First().Text(); got != "11–20 of 52" {
		t.Fatalf("chooser page: %q", got)
	}
	if p.doc.Find("#max_qty").AttrOr("value", "") != "abc" {
		t.Fatal("typed value lost when paging the chooser")
	}
	if id := p.testid("chooser-c.0.values").AttrOr("id", ""); strings.Contains(id, ".") {
		t.Fatalf("chooser id %q is not a valid CSS id selector", id)
	}
	if rows, _, _, _ := a.full.PriceRules.List(context.Background(), pricerules.ListFilter{}); len(rows) != 0 {
		t.Fatal("paging the chooser saved the rule")
	}
}

// A rule naming an audience that cannot match where the rule runs says so on its page (and
// stays valid): activated only to another website, or removed from the CDP.
func TestRuleWarnsAboutAudiencesThatMatchNobodyThere(t *testing.T) {
	a, c := signedIn(t)
	_, cdp := withCDP(t, a)
	ctx := context.Background()
	if _, err := a.full.Syncer.Run(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	local, err := a.full.Audiences.LocalIDs(ctx, []string{cdp[0], cdp[5], cdp[50]})
	if err != nil {
		t.Fatal(err)
	}
	id := func(cdpID string) string { return strconv.FormatInt(local[cdpID], 10) }
	r, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Members", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{id(cdp[0])}}),
		ActionConditions: pricerules.All()})
	if err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("/admin/price-rules/%d/edit", r.ID)
	if p := c.get(edit); p.testid("audience-warnings").Length() != 0 {
		t.Fatalf("a warning for an audience activated to the rule's website: %q", p.text(`[data-testid="audience-warnings"]`))
	}
	r.Conditions = pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{id(cdp[0]), id(cdp[5]), id(cdp[50])}})
	if r, err = a.full.PriceRules.Save(ctx, actorT(), r); err != nil {
		t.Fatal(err)
	}
	a.db.Exec("UPDATE audiences SET status = 'gone' WHERE id = ?", local[cdp[5]])
	warn := c.get(edit).text(`[data-testid="audience-warnings"]`)
	if !strings.Contains(warn, "is activated to Second Website, none of this rule's websites") || !strings.Contains(warn, "Removed from the CDP") {
		t.Fatalf("warnings %q", warn)
	}
	if strings.Count(warn, "\"") != 4 {
		t.Fatalf("want exactly two audiences named: %q", warn)
	}
}
