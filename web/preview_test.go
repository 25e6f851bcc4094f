package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
)

func TestPersonalizationPreviewExplainsRulesAndBlocks(t *testing.T) {
	a, c := signedIn(t)
	withCDP(t, a)
	c.get("/admin/audiences")
	c.syncAudiences()
	ctx := context.Background()
	who := actorT()
	rule := pricerules.Rule{Name: "Runners 2+1", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1, 2, 3},
		CouponType: pricerules.CouponNone, Action: pricerules.BuyXGetY, Amount: 1, Step: 2, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel:     "Buy 2, get 1 free",
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{"1"}}),
		ActionConditions: pricerules.All()}
	if _, err := a.full.PriceRules.Save(ctx, who, rule); err != nil {
		t.Fatal(err)
	}
	b, _, err := a.full.Blocks.SaveBlock(ctx, who, dynamicblocks.Block{Name: "Hero for runners", Enabled: true, Type: dynamicblocks.TypeContent,
		AudienceIDs: []int64{1}, Content: "<h2>Run</h2>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, who, dynamicblocks.Placement{Title: "Home hero", Location: "home.hero",
		Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}}); err != nil {
		t.Fatal(err)
	}
	p := c.get("/admin/preview")
	wantStatus(t, p, http.StatusOK)
	form := url.Values{"store_view": {"1"}, "group": {"1"}, "sku": {"TEE-1"}, "price": {"25.00"}, "qty": {"3"}, "shipping": {"5.00"}}
	p = c.post("/admin/preview", form)
	wantStatus(t, p, http.StatusOK)
	if p.text(`[data-testid="discount"]`) != "USD 0.00" || !strings.Contains(p.testid("skipped-rules").Text(), `none of the audiences: Real-Time CDP Audience is one of "Abandoned cart"`) {
		t.Fatalf("non-member: discount %q, skipped %q", p.text(`[data-testid="discount"]`), p.testid("skipped-rules").Text())
	}
	if !strings.Contains(p.testid("placement-result").Text(), "none of the block's audiences") {
		t.Fatalf("block reason: %q", p.testid("placement-result").Text())
	}
	form.Add("audience_ids", "1")
	p = c.post("/admin/preview", form)
	if p.text(`[data-testid="discount"]`) != "USD 25.00" || !strings.Contains(p.testid("applied-rules").Text(), "Buy 2, get 1 free") {
		t.Fatalf("member: discount %q applied %q", p.text(`[data-testid="discount"]`), p.testid("applied-rules").Text())
	}
	if p.text(`[data-testid="grand-total"]`) != "USD 55.00" || !strings.Contains(p.testid("placement-result").Text(), "Shows: Hero for runners") {
		t.Fatalf("member totals/blocks: %q / %q", p.text(`[data-testid="grand-total"]`), p.testid("placement-result").Text())
	}
	form.Set("price", "abc")
	if p := c.post("/admin/preview", form); p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="error-lines"]`) == "" {
		t.Fatal("bad line accepted")
	}
}

// A SKU from the catalog brings its price and categories, and the website's flat rate is
// charged as on the storefront, so the preview's totals are the cart page's.
func TestPreviewPricesCatalogProductsAsTheStorefront(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	local, _ := a.full.Audiences.LocalIDs(context.Background(), []string{s.cdp[0]})
	p := c.get("/admin/preview")
	if got := p.doc.Find(`[data-testid="sku-1"]`).AttrOr("value", ""); got != "MUG" {
		t.Fatalf("first line starts with %q, want the catalog's first product", got)
	}
	form := url.Values{"store_view": {"1"}, "group": {"0"}, "sku": {"tee-1"}, "price": {""}, "qty": {"3"}, "audience_ids": {itoa(local[s.cdp[0]])}}
	p = c.post("/admin/preview", form)
	wantStatus(t, p, http.StatusOK)
	// 3 × 25.00 − 25.00 + flat rate 5.00 × 3, as the cart page charges it.
	if p.text(`[data-testid="discount"]`) != "USD 25.00" || p.text(`[data-testid="grand-total"]`) != "USD 65.00" {
		t.Fatalf("preview: discount %q, grand total %q", p.text(`[data-testid="discount"]`), p.text(`[data-testid="grand-total"]`))
	}
	form.Set("sku", "NOT-IN-CATALOG")
	if p := c.post("/admin/preview", form); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(`[data-testid="error-lines"]`), "is not in the catalog; enter its price") {
		t.Fatalf("unknown SKU without a price: %d %q", p.status, p.text(`[data-testid="error-lines"]`))
	}
}

// Rules on the shipping address and the payment method are previewed as checkout applies
// them, and the preview keeps what was typed and chosen.
func TestPreviewAddressAndPaymentConditions(t *testing.T) {
	a, c := signedIn(t)
	ctx := context.Background()
	rule := func(name string, cond pricerules.Condition) pricerules.Rule {
		return pricerules.Rule{Name: name, Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1, 2, 3},
			CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
			DefaultLabel: name, Conditions: pricerules.All(cond), ActionConditions: pricerules.All()}
	}
	for _, r := range []pricerules.Rule{
		rule("Check payers", pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrPaymentMethod, Operator: pricerules.OpIs, Value: "checkmo"}),
		rule("Paris postcodes", pricerules.Condition{Kind: pricerules.KindCart, Attribute: pricerules.AttrPostcode, Operator: pricerules.OpContains, Value: "750"}),
	} {
		if _, err := a.full.PriceRules.Save(ctx, actorT(), r); err != nil {
			t.Fatal(err)
		}
	}
	form := url.Values{"store_view": {"1"}, "group": {"1"}, "sku": {"TEE-1"}, "price": {"10.00"}, "qty": {"1"}, "shipping": {"0"}}
	p := c.post("/admin/preview", form)
	if p.text(`[data-testid="discount"]`) != "USD 0.00" {
		t.Fatalf("no address or payment: discount %q", p.text(`[data-testid="discount"]`))
	}
	form.Set("payment", "checkmo")
	form.Set("postcode", "75011")
	form.Set("country", "FR")
	p = c.post("/admin/preview", form)
	applied := p.testid("applied-rules").Text()
	if !strings.Contains(applied, "Check payers") || !strings.Contains(applied, "Paris postcodes") {
		t.Fatalf("applied: %q", applied)
	}
	postcode, _ := p.doc.Find(`#postcode`).Attr("value")
	payment, _ := p.doc.Find(`#payment option[selected]`).Attr("value")
	if postcode != "75011" || payment != "checkmo" {
		t.Fatal("the preview lost the address or payment method")
	}
}

// "Preview as of": a Black Friday rule shows no discount today and its discount at
// midnight of the day, in the store view's timezone; a bad date keeps what was typed.
func TestPreviewAsOfADateAndTime(t *testing.T) {
	a, c := signedIn(t)
	ctx := context.Background()
	day := a.clock.Now().AddDate(0, 1, 0).Format("2006-01-02")
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Black Friday", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1, 2, 3},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 2000, FreeShipping: pricerules.FreeShippingNo, FromDate: day, ToDate: day,
		DefaultLabel: "Black Friday 20 %", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"store_view": {"1"}, "group": {"0"}, "sku": {"TEE-1"}, "price": {"25.00"}, "qty": {"1"}, "shipping": {"0"}}
	p := c.post("/admin/preview", form)
	if p.text(`[data-testid="discount"]`) != "USD 0.00" || !strings.Contains(p.testid("skipped-rules").Text(), "Black Friday") {
		t.Fatalf("today: discount %q", p.text(`[data-testid="discount"]`))
	}
	form.Set("at", day+"T00:00")
	p = c.post("/admin/preview", form)
	if p.text(`[data-testid="discount"]`) != "USD 5.00" || !strings.Contains(p.text(`[data-testid="preview-as-of"]`), "12:00 AM") {
		t.Fatalf("on the day: discount %q, %q", p.text(`[data-testid="discount"]`), p.text(`[data-testid="preview-as-of"]`))
	}
	form.Set("at", "next friday")
	p = c.post("/admin/preview", form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.text(".has-error"), "Enter a date and time") ||
		p.doc.Find(`#at`).AttrOr("value", "") != "next friday" {
		t.Fatalf("bad date: %d %q", p.status, p.doc.Find(`#at`).AttrOr("value", ""))
	}
}
