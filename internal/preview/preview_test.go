package preview

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
)

var sv = stores.StoreView{ID: 1, WebsiteID: 1, Code: "default", Currency: "USD", Timezone: "UTC"}

func price(v int64) *int64 { return &v }

func TestBuildCart(t *testing.T) {
	products := map[string]catalog.Product{"TEE": {SKU: "TEE", Price: 2500, Weight: 0.2, CategoryID: []int64{3}, Attributes: map[string]string{"color": "blue"}}}
	rate := checkout.FlatRate{Enabled: true, PerItem: true, Price: 500}
	cart, errs := BuildCart(Cart{Lines: []Line{
		{Row: 1, SKU: "TEE", Qty: 2}, // the catalog's price and categories
		{Row: 2, SKU: "TEE", Price: price(2000), Qty: 1, CategoryIDs: []int64{}}, // its own price, no categories
		{Row: 4, SKU: "MUG", Price: price(900), Qty: 1},                          // not in the catalog, priced
	}, Country: "US", Payment: "checkmo"}, sv, products, rate)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	want := &pricerules.Cart{Items: []pricerules.Item{
		{ID: 1, SKU: "TEE", Price: 2500, Qty: 2, Weight: 0.2, CategoryIDs: []int64{3}, Attributes: map[string]string{"color": "blue"}},
		{ID: 2, SKU: "TEE", Price: 2000, Qty: 1, Weight: 0.2, CategoryIDs: []int64{}, Attributes: map[string]string{"color": "blue"}},
		{ID: 3, SKU: "MUG", Price: 900, Qty: 1},
	}, Shipping: 2000, ShippingMethod: checkout.FlatRateMethod, Country: "US", PaymentMethod: "checkmo"} // 4 units × 5.00
	if !reflect.DeepEqual(cart, want) {
		t.Fatalf("cart\n got %+v\nwant %+v", cart, want)
	}
	// A shipping amount typed replaces the flat rate; a disabled carrier charges nothing.
	if cart, _ := BuildCart(Cart{Lines: []Line{{SKU: "TEE", Qty: 1}}, Shipping: price(0)}, sv, products, rate); cart.Shipping != 0 || cart.ShippingMethod != "" {
		t.Fatalf("typed shipping: %+v", cart)
	}
	if cart, _ := BuildCart(Cart{Lines: []Line{{SKU: "TEE", Qty: 1}}}, sv, products, checkout.FlatRate{}); cart.Shipping != 0 {
		t.Fatalf("no carrier: %+v", cart)
	}
	_, errs = BuildCart(Cart{Lines: []Line{{Row: 3, SKU: "NOPE", Qty: 1}}}, sv, products, rate)
	if errs["lines"] != `Line 3: "NOPE" is not in the catalog; enter its price.` {
		t.Fatalf("errors %v", errs)
	}
}

// Run evaluates as the storefront would: only the website's active audiences count (the
// others are named), placements of other store views are left out, and blocks related to an
// applied rule show.
func TestRun(t *testing.T) {
	rule := pricerules.Rule{ID: 7, Name: "Runners 10%", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo, Priority: 1,
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{"11"}}),
		ActionConditions: pricerules.All()}
	other := rule
	other.ID, other.Name, other.Conditions = 8, "Walkers", pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{"12"}})
	rules, err := pricerules.NewSnapshot([]pricerules.Rule{rule, other}, nil)
	if err != nil {
		t.Fatal(err)
	}
	blocks := dynamicblocks.NewSnapshot([]dynamicblocks.Block{
		{ID: 1, Name: "Runners hero", Enabled: true, Type: dynamicblocks.TypeAny, RuleIDs: []int64{7}},
		{ID: 2, Name: "Walkers hero", Enabled: true, Type: dynamicblocks.TypeAny, RuleIDs: []int64{8}},
	}, []dynamicblocks.Placement{
		{ID: 1, Title: "Cart offers", Location: "cart.top", Display: dynamicblocks.DisplayRuleRelated, Rotation: dynamicblocks.RotateAll},
		{ID: 2, Title: "Elsewhere", Location: "home.hero", StoreViewIDs: []int64{2}, Display: dynamicblocks.DisplayRuleRelated, Rotation: dynamicblocks.RotateAll},
	})
	placements := []dynamicblocks.Placement{{ID: 1}, {ID: 2}}
	// Audience 11 is active on website 1; 12 is active on website 2 only.
	membership := audiences.Membership{1: {"runners": 11}, 2: {"walkers": 12}}
	cart := &pricerules.Cart{Items: []pricerules.Item{{ID: 1, SKU: "TEE", Price: 2500, Qty: 2}}}
	out := Run(cart, Shopper{StoreView: sv, GroupID: 1, Audiences: []int64{11, 12}, Now: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)},
		Sources{Rules: rules, Blocks: blocks, Placements: placements, Membership: membership})
	if len(out.Result.Applied) != 1 || out.Result.Applied[0].RuleID != 7 || out.Result.ItemsDiscount != 500 {
		t.Fatalf("applied %+v, discount %d", out.Result.Applied, out.Result.ItemsDiscount)
	}
	if len(out.Result.NotApplied) != 1 || out.Result.NotApplied[0].RuleID != 8 || !strings.Contains(out.Result.NotApplied[0].Reason, "Audience") {
		t.Fatalf("not applied %+v", out.Result.NotApplied)
	}
	if !reflect.DeepEqual(out.Inactive, []int64{12}) {
		t.Fatalf("inactive %v, want [12]", out.Inactive)
	}
	if len(out.Placements) != 1 || out.Placements[0].Title != "Cart offers" || !reflect.DeepEqual(out.Placements[0].Shown, []string{"Runners hero"}) {
		t.Fatalf("placements %+v", out.Placements)
	}
}
