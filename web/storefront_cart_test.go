package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
)

// A shopper on the server-rendered storefront: product list, add to cart, a discount and
// its label only while in the audience, a refused coupon that keeps what was typed, and an
// order that empties the cart.
func TestStorefrontCartAppliesAudienceRules(t *testing.T) {
	a, cdp := newStore(t)
	ctx := context.Background()
	local, _ := a.full.Audiences.LocalIDs(ctx, []string{cdp[0]})
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Come back", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 2000, FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "Welcome back: 20% off",
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{strconv.FormatInt(local[cdp[0]], 10)}}),
		ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	p := shop.get("/store/products")
	wantStatus(t, p, http.StatusOK)
	if p.testid("product-card").Length() != 2 {
		t.Fatalf("products: %q", p.text("main"))
	}
	if p := shop.post("/store/cart/add", url.Values{"sku": {"TEE-1"}, "qty": {"two"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="cart-error"]`), "whole quantity") {
		t.Fatalf("bad qty: %d %q", p.status, p.text("main"))
	}
	p = shop.post("/store/cart/add", url.Values{"sku": {"TEE-1"}, "qty": {"2"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = shop.get(p.header.Get("Location"))
	if !strings.Contains(p.text(`[data-testid="cart-message"]`), "You added TEE-1") || p.text(`[data-testid="total-subtotal"]`) != "USD 50.00" {
		t.Fatalf("cart: %q", p.text("main"))
	}
	if p.testid("discount-label").Length() != 0 || p.text(`[data-testid="nav-cart"]`) != "Cart (2)" {
		t.Fatalf("a non-member got the discount: %q", p.text("main"))
	}
	// Joining the audience shows the discount and its label at once.
	u, _ := url.Parse(a.server.URL)
	shop.http.Jar.SetCookies(u, []*http.Cookie{{Name: "aep-segments-membership", Value: cdp[0], Path: "/"}})
	p = shop.get("/store/cart")
	if p.text(`[data-testid="discount-label"]`) != "Welcome back: 20% off" || p.text(`[data-testid="line-discount"]`) != "-USD 10.00" {
		t.Fatalf("member cart: %q", p.text("main"))
	}
	// 50.00 - 10.00 + flat rate 5.00 × 2.
	if got := p.text(`[data-testid="total-grand"]`); got != "USD 50.00" {
		t.Fatalf("grand total %q", got)
	}
	p = shop.post("/store/cart/coupon", url.Values{"coupon_code": {"NOPE-1"}})
	if p.status != http.StatusUnprocessableEntity || p.text(`[data-testid="cart-error"]`) != `The coupon code "NOPE-1" is not valid.` ||
		p.doc.Find(`#coupon_code`).AttrOr("value", "") != "NOPE-1" {
		t.Fatalf("bad coupon: %d %q", p.status, p.text("main"))
	}
	p = shop.post("/store/cart/place", nil)
	wantStatus(t, p, http.StatusSeeOther)
	p = shop.get(p.header.Get("Location"))
	if !strings.Contains(p.text(`[data-testid="order-placed"]`), "Your order number is 0000000") || p.testid("cart-empty").Length() != 1 {
		t.Fatalf("after the order: %q", p.text("main"))
	}
	// The confirmation shows once, and a crafted link cannot produce one.
	if p := shop.get("/store/cart?placed=1&order=FAKE"); p.testid("order-placed").Length() != 0 {
		t.Fatal("the confirmation showed again")
	}
	var discount int64
	a.db.Raw("SELECT discount FROM orders").Scan(&discount)
	if discount != 1000 {
		t.Fatalf("order discount %d", discount)
	}
}

// The cart page shows the cart.top blocks related to the rules the cart earned, and only
// while it earns them.
func TestStorefrontCartShowsRuleRelatedOffers(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	shop := a.client()
	shop.get("/store/products")
	wantStatus(t, shop.post("/store/cart/add", url.Values{"sku": {"TEE-1"}, "qty": {"3"}}), http.StatusSeeOther)
	if p := shop.get("/store/cart"); p.testid("cart-offer").Length() != 0 {
		t.Fatalf("an offer for a rule the cart did not earn: %q", p.text(`[data-testid="cart-offer"]`))
	}
	p := shop.getWithCookie("/store/cart", "aep-segments-membership", s.cdp[0])
	if got := p.text(`[data-testid="cart-offer"]`); got != "Your third tee is on us" {
		t.Fatalf("rule-related offer: %q", got)
	}
}

// The cart page changes quantities and removes lines; a bad quantity changes nothing.
func TestStorefrontCartUpdatesAndRemovesLines(t *testing.T) {
	a, _ := newStore(t)
	shop := a.client()
	shop.get("/store/products")
	shop.post("/store/cart/add", url.Values{"sku": {"TEE-1"}, "qty": {"1"}})
	shop.post("/store/cart/add", url.Values{"sku": {"MUG"}, "qty": {"2"}})
	p := shop.get("/store/cart")
	items := p.doc.Find(`input[name="item"]`).Map(func(_ int, s *goquery.Selection) string { return s.AttrOr("value", "") })
	if len(items) != 2 {
		t.Fatalf("cart form items: %v", items)
	}
	if p := shop.post("/store/cart/update", url.Values{"item": items, "qty": {"3", "two"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.text(`[data-testid="cart-error"]`), "whole quantity") || p.text(`[data-testid="nav-cart"]`) != "Cart (3)" {
		t.Fatalf("bad quantity: %d %q", p.status, p.text("main"))
	}
	wantStatus(t, shop.post("/store/cart/update", url.Values{"item": items, "qty": {"3", "2"}}), http.StatusSeeOther)
	p = shop.get("/store/cart?done=updated")
	if p.text(`[data-testid="cart-message"]`) != "Your shopping cart was updated." || p.text(`[data-testid="total-subtotal"]`) != "USD 94.00" {
		t.Fatalf("after the update: %q", p.text("main"))
	}
	wantStatus(t, shop.post("/store/cart/update", url.Values{"item": items, "qty": {"3", "2"}, "remove": {items[1]}}), http.StatusSeeOther)
	p = shop.get("/store/cart")
	if p.testid("cart-line").Length() != 1 || p.text(`[data-testid="total-subtotal"]`) != "USD 75.00" {
		t.Fatalf("after removing the mug: %q", p.text("main"))
	}
	if p := shop.post("/store/cart/update", url.Values{"remove": {items[1]}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("removing a line twice: %d", p.status)
	}
}

// A product's page shows its price and attributes, and the product.top blocks for the
// shopper's audiences; a product of no website of the store is not found.
func TestStorefrontProductPage(t *testing.T) {
	a, cdp := newStore(t)
	ctx := context.Background()
	csv := "sku,name,price,weight,categories,websites,attributes\nSHOE-9,Trail shoe,89.00,0.7,Shoes,base,color=blue;size=42\n"
	if _, err := a.full.Catalog.Import(ctx, actorT(), strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	local, _ := a.full.Audiences.LocalIDs(ctx, []string{cdp[0]})
	b, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Shoe offer", Enabled: true, Type: dynamicblocks.TypeContent,
		AudienceIDs: []int64{local[cdp[0]]}, Content: "<p>Free socks with these</p>"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Product offers", Location: "product.top",
		Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	list := shop.get("/store/products")
	href := list.doc.Find(`[data-testid="product-link-SHOE-9"]`).AttrOr("href", "")
	p := shop.get(href)
	wantStatus(t, p, http.StatusOK)
	if p.text("h1") != "Trail shoe" || p.text(`[data-testid="product-price"]`) != "USD 89.00" || !strings.Contains(p.text(".product-attributes"), "size42") {
		t.Fatalf("product page: %q", p.text("main"))
	}
	if p.testid("product-offer").Length() != 0 {
		t.Fatal("the offer shows to a shopper outside its audience")
	}
	if p := shop.getWithCookie(href, "aep-segments-membership", cdp[0]); p.text(`[data-testid="product-offer"]`) != "Free socks with these" {
		t.Fatalf("member's product page: %q", p.text("main"))
	}
	if p := shop.get("/store/products/NOPE"); p.status != http.StatusNotFound {
		t.Fatalf("unknown product: %d", p.status)
	}
	wantStatus(t, shop.post("/store/cart/add", url.Values{"sku": {"SHOE-9"}, "qty": {"1"}}), http.StatusSeeOther)
}

// An audience's page lists the blocks that reach it through a related rule.
func TestAudiencePageListsBlocksRelatedToItsRules(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	local, _ := a.full.Audiences.LocalIDs(context.Background(), []string{s.cdp[0]})
	p := c.get("/admin/audiences/" + itoa(local[s.cdp[0]]))
	used := p.text(`[data-testid="used-by"]`)
	if !strings.Contains(used, "Runners: buy 2 get 1") || !strings.Contains(used, "member") || !strings.Contains(used, "rule (with the rule “Runners: buy 2 get 1”)") {
		t.Fatalf("used by: %q", used)
	}
}

// A shopper switches store view in the header: the other website's products, in its
// currency, and the choice is remembered.
func TestStorefrontStoreViewSwitcher(t *testing.T) {
	a, _ := newStore(t)
	ctx := context.Background()
	second, err := a.full.Stores.WebsiteByCode(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Stores.SaveStoreView(ctx, actorT(), stores.StoreView{WebsiteID: second.ID, Code: "eu_en", Name: "EU English", Currency: "EUR",
		Timezone: "Europe/Paris", IsActive: true, IsDefault: true}); err != nil {
		t.Fatal(err)
	}
	csv := "sku,name,price,weight,categories,websites,attributes\nEU-CAP,Euro cap,15.00,0.1,Hats,second,\n"
	if _, err := a.full.Catalog.Import(ctx, actorT(), strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	p := shop.get("/store/products")
	if p.doc.Find(`[data-testid="store-switch"] option`).Length() != 2 || p.testid("product-link-EU-CAP").Length() != 0 {
		t.Fatalf("switcher or products of the main website: %q", p.text("body"))
	}
	wantStatus(t, shop.get("/store/switch?store=eu_en"), http.StatusSeeOther)
	p = shop.get("/store/products")
	if p.testid("product-link-EU-CAP").Length() != 1 || p.testid("product-link-MUG").Length() != 0 || !strings.Contains(p.text(".price"), "EUR 15.00") {
		t.Fatalf("after switching: %q", p.text("main"))
	}
	if p.doc.Find(`[data-testid="store-switch"] option[selected]`).AttrOr("value", "") != "eu_en" {
		t.Fatal("the switcher does not show the chosen store view")
	}
	if p := shop.get("/store/switch?store=nowhere"); p.status != http.StatusNotFound {
		t.Fatalf("unknown store view: %d", p.status)
	}
}
