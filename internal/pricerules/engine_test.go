package pricerules

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var noon = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func baseRule(id int64, action ActionType, amount int64) Rule {
	return Rule{ID: id, Name: fmt.Sprintf("Rule %d", id), Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
		CouponType: CouponNone, Action: action, Amount: amount, FreeShipping: FreeShippingNo, Priority: 1,
		Conditions: All(), ActionConditions: All()}
}

func ctx() *Shopper {
	return &Shopper{WebsiteID: 1, StoreViewID: 1, CustomerGroupID: 1, Now: noon}
}

func cartOf(items ...Item) *Cart {
	for i := range items {
		items[i].ID = int64(i + 1)
		if items[i].SKU == "" {
			items[i].SKU = "SKU-" + strconv.Itoa(i+1)
		}
	}
	return &Cart{Items: items}
}

func eval(t *testing.T, rules []Rule, cart *Cart, c *Shopper) *Result {
	t.Helper()
	s, err := NewSnapshot(rules, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := s.Evaluate(cart, c)
	ref := s.evaluateReference(byID(rules), cart, c)
	if !reflect.DeepEqual(got, ref) {
		t.Fatalf("indexed %+v\nreference %+v", got, ref)
	}
	return got
}

func TestBuyTwoGetOneFree(t *testing.T) {
	want := []int64{0, 0, 1, 1, 1, 2, 2} // free units for qty 1…7
	for qty := 1; qty <= 7; qty++ {
		r := baseRule(1, BuyXGetY, 1)
		r.Step = 2
		res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: qty}), ctx())
		if got := res.ItemsDiscount; got != want[qty-1]*1000 {
			t.Errorf("qty %d: discount %d, want %d", qty, got, want[qty-1]*1000)
		}
	}
	// Counted per line, never pooled: two lines of 2 get nothing.
	r := baseRule(1, BuyXGetY, 1)
	r.Step = 2
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 2}, Item{Price: 1000, Qty: 2}), ctx()); res.ItemsDiscount != 0 {
		t.Errorf("pooled across lines: %d", res.ItemsDiscount)
	}
	// Maximum qty caps the units counted: qty 7, cap 4 → 1 free.
	r.MaxQty = 4
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 7}), ctx()); res.ItemsDiscount != 1000 {
		t.Errorf("cap 4: %d", res.ItemsDiscount)
	}
	// Buy 3 get 2: qty 9 → 3 + 1 (9 mod 5 = 4, 4 − 3) … floor(9/5)·2 + max(0, 4−3) = 3.
	r = baseRule(1, BuyXGetY, 2)
	r.Step = 3
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 100, Qty: 9}), ctx()); res.ItemsDiscount != 300 {
		t.Errorf("buy 3 get 2, qty 9: %d", res.ItemsDiscount)
	}
}

func TestPercentStepMaxQtyAndCompounding(t *testing.T) {
	r := baseRule(1, ByPercent, 1000) // 10 %
	r.Step = 3
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 2}), ctx()); res.ItemsDiscount != 0 {
		t.Errorf("below the step: %d", res.ItemsDiscount)
	}
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 5}), ctx()); res.ItemsDiscount != 300 {
		t.Errorf("step floors 5 to 3: %d", res.ItemsDiscount)
	}
	r.Step, r.MaxQty = 0, 2
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 5}), ctx()); res.ItemsDiscount != 200 {
		t.Errorf("max qty 2: %d", res.ItemsDiscount)
	}
	a, b := baseRule(1, ByPercent, 1000), baseRule(2, ByPercent, 2000)
	if res := eval(t, []Rule{a, b}, cartOf(Item{Price: 10000, Qty: 1}), ctx()); res.ItemsDiscount != 2800 {
		t.Errorf("10 %% then 20 %% of 100 = 28, got %d", res.ItemsDiscount)
	}
	// Rounded per line to the currency's precision: 15 % of 3 × 3.33 = 1.4985 → 1.50.
	c := baseRule(1, ByPercent, 1500)
	if res := eval(t, []Rule{c}, cartOf(Item{Price: 333, Qty: 3}), ctx()); res.ItemsDiscount != 150 {
		t.Errorf("rounding: %d", res.ItemsDiscount)
	}
}

func TestFixedAmounts(t *testing.T) {
	r := baseRule(1, ByFixed, 1500)
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}, Item{Price: 2000, Qty: 2}), ctx()); res.Items[0].Discount != 1000 || res.Items[1].Discount != 3000 {
		t.Errorf("fixed per unit, capped at the row: %+v", res.Items)
	}
	whole := baseRule(1, CartFixed, 1000)
	res := eval(t, []Rule{whole}, cartOf(Item{Price: 1000, Qty: 1}, Item{Price: 1000, Qty: 1}, Item{Price: 1000, Qty: 1}), ctx())
	if got := []int64{res.Items[0].Discount, res.Items[1].Discount, res.Items[2].Discount}; !slices.Equal(got, []int64{333, 334, 333}) || res.ItemsDiscount != 1000 {
		t.Errorf("thirds: %v", got)
	}
	res = eval(t, []Rule{whole}, cartOf(Item{Price: 1000, Qty: 1}, Item{Price: 2000, Qty: 1}, Item{Price: 3000, Qty: 1}), ctx())
	if got := []int64{res.Items[0].Discount, res.Items[1].Discount, res.Items[2].Discount}; !slices.Equal(got, []int64{167, 333, 500}) {
		t.Errorf("proportional: %v", got)
	}
	whole.Amount = 99999
	if res = eval(t, []Rule{whole}, cartOf(Item{Price: 1000, Qty: 2}), ctx()); res.ItemsDiscount != 2000 {
		t.Errorf("more than the cart: %d", res.ItemsDiscount)
	}
	// With shipping: split over items and shipping together.
	whole.Amount, whole.ApplyToShipping = 1200, true
	cart := cartOf(Item{Price: 1000, Qty: 1})
	cart.Shipping = 200
	if res = eval(t, []Rule{whole}, cart, ctx()); res.ItemsDiscount != 1000 || res.ShippingDiscount != 200 {
		t.Errorf("whole cart with shipping: items %d shipping %d", res.ItemsDiscount, res.ShippingDiscount)
	}
}

// A whole-cart fixed rule that also discounts shipping (Magento 2.4.4+): shipping's share
// is amount × shipping ÷ (cart subtotal + shipping); the rest goes to the matching items;
// with no matching item there is no discount at all, never the whole amount to shipping.
func TestWholeCartFixedWithShipping(t *testing.T) {
	onSKU1 := All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "SKU-1"})
	for name, tc := range map[string]struct {
		amount, shipping  int64
		cond              Condition
		items             []Item
		wantItems, wantSh int64
		applied           bool
	}{
		// 1000 × 1000 ÷ (4000 + 1000) = 200 to shipping, 800 to the matching line.
		"some items match":   {1000, 1000, onSKU1, []Item{{Price: 1000, Qty: 1}, {Price: 3000, Qty: 1}}, 800, 200, true},
		"every item matches": {1000, 1000, All(), []Item{{Price: 1000, Qty: 1}, {Price: 3000, Qty: 1}}, 800, 200, true},
		"no item matches": {1000, 1000, All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "NONE"}),
			[]Item{{Price: 1000, Qty: 1}}, 0, 0, false},
		// More than items and shipping together: everything, no more.
		"more than the cart": {99999, 500, onSKU1, []Item{{Price: 1000, Qty: 1}, {Price: 3000, Qty: 1}}, 1000, 500, true},
		// Rounding: 1000 × 333 ÷ 1333 = 249.8 → 250 to shipping, the shares sum to 1000.
		"rounding": {1000, 333, All(), []Item{{Price: 500, Qty: 1}, {Price: 500, Qty: 1}}, 750, 250, true},
	} {
		r := baseRule(1, CartFixed, tc.amount)
		r.ApplyToShipping, r.ActionConditions = true, tc.cond
		cart := cartOf(tc.items...)
		cart.Shipping = tc.shipping
		res := eval(t, []Rule{r}, cart, ctx())
		if res.ItemsDiscount != tc.wantItems || res.ShippingDiscount != tc.wantSh || (len(res.Applied) == 1) != tc.applied {
			t.Errorf("%s: items %d shipping %d applied %v; want %d, %d, %v", name, res.ItemsDiscount, res.ShippingDiscount, res.Applied, tc.wantItems, tc.wantSh, tc.applied)
		}
	}
}

func TestShipping(t *testing.T) {
	a := baseRule(1, ByPercent, 1000)
	a.ApplyToShipping = true
	cart := cartOf(Item{Price: 10000, Qty: 1})
	cart.Shipping = 1500
	res := eval(t, []Rule{a}, cart, ctx())
	if res.ItemsDiscount != 1000 || res.ShippingDiscount != 150 {
		t.Fatalf("10 %% with shipping: %d / %d", res.ItemsDiscount, res.ShippingDiscount)
	}
	b := baseRule(2, ByPercent, 2000)
	b.ApplyToShipping = true
	if res = eval(t, []Rule{a, b}, cart, ctx()); res.ShippingDiscount != 150+270 {
		t.Fatalf("compounding on shipping: %d", res.ShippingDiscount)
	}
	// Discard subsequent rules stops later rules on items, not their shipping discount.
	a.StopFurther = true
	if res = eval(t, []Rule{a, b}, cart, ctx()); res.ItemsDiscount != 1000 || res.ShippingDiscount != 420 {
		t.Fatalf("stop: items %d shipping %d", res.ItemsDiscount, res.ShippingDiscount)
	}
	// A rule whose actions match no item still discounts shipping.
	c := baseRule(3, ByPercent, 5000)
	c.ApplyToShipping = true
	c.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "NOPE"})
	if res = eval(t, []Rule{c}, cart, ctx()); res.ItemsDiscount != 0 || res.ShippingDiscount != 750 {
		t.Fatalf("no matching item: items %d shipping %d", res.ItemsDiscount, res.ShippingDiscount)
	}
	// Free shipping: matching items only (all must be free), or the whole shipment.
	f := baseRule(4, ByPercent, 0)
	f.FreeShipping = FreeShippingMatching
	f.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "SKU-1"})
	two := cartOf(Item{Price: 100, Qty: 1}, Item{Price: 100, Qty: 1})
	two.Shipping = 500
	if res = eval(t, []Rule{f}, two, ctx()); res.FreeShipping || !res.Items[0].FreeShipping {
		t.Fatalf("one of two items free: %+v", res)
	}
	f.ActionConditions = All()
	if res = eval(t, []Rule{f}, two, ctx()); !res.FreeShipping || res.ShippingDiscount != 500 {
		t.Fatalf("all items free: %+v", res)
	}
	f.FreeShipping = FreeShippingWhole
	f.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "NOPE"})
	if res = eval(t, []Rule{f}, two, ctx()); !res.FreeShipping || res.ShippingDiscount != 500 || res.Applied[0].ShippingDiscount != 500 {
		t.Fatalf("whole shipment: %+v", res)
	}
}

func TestPriorityTiesAndDiscard(t *testing.T) {
	a, b := baseRule(7, ByFixed, 100), baseRule(3, ByFixed, 200)
	b.StopFurther = true
	res := eval(t, []Rule{a, b}, cartOf(Item{Price: 1000, Qty: 1}), ctx())
	if len(res.Applied) != 1 || res.Applied[0].RuleID != 3 || res.ItemsDiscount != 200 {
		t.Fatalf("tie broken by id, then discard: %+v", res.Applied)
	}
	a.Priority = 0
	if res = eval(t, []Rule{a, b}, cartOf(Item{Price: 1000, Qty: 1}), ctx()); res.ItemsDiscount != 300 {
		t.Fatalf("priority 0 first: %d", res.ItemsDiscount)
	}
	// The explanation names the rule that took the items, even when it gave nothing
	// (here: below its quantity step), as Magento still stops later rules then.
	a.Priority = 7
	b.Step = 5
	c := ctx()
	c.Explain = true
	res = eval(t, []Rule{a, b}, cartOf(Item{Price: 1000, Qty: 1}), c)
	if res.ItemsDiscount != 0 || len(res.NotApplied) != 2 {
		t.Fatalf("stopped at zero: %+v", res)
	}
	if why := res.NotApplied[1].Reason; res.NotApplied[1].RuleID != 7 || !strings.Contains(why, "“"+b.Name+"”") {
		t.Fatalf("the stopped rule reads %q", why)
	}
}

func TestScheduleInStoreTimezone(t *testing.T) {
	la, _ := time.LoadLocation("America/Los_Angeles")
	r := baseRule(1, ByFixed, 100)
	r.FromDate, r.ToDate = "2026-11-20", "2026-11-28"
	c := ctx()
	c.Now = time.Date(2026, 11, 29, 3, 0, 0, 0, time.UTC) // Nov 28, 19:00 in Los Angeles
	c.Location = la
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 100 {
		t.Fatal("last day in the store's timezone not included")
	}
	c.Location = time.UTC
	c.Explain = true
	res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c)
	if res.ItemsDiscount != 0 || res.NotApplied[0].Reason != "Ended on 2026-11-28" {
		t.Fatalf("after the end: %+v", res.NotApplied)
	}
	c.Now = time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 100 {
		t.Fatal("first day not included")
	}
	c.Now = time.Date(2026, 11, 19, 23, 59, 59, 0, time.UTC)
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 0 || res.NotApplied[0].Reason != "Starts on 2026-11-20" {
		t.Fatal("before the start")
	}
}

func TestCoupons(t *testing.T) {
	r := baseRule(1, ByFixed, 100)
	r.CouponType, r.CouponCode, r.UsesPerCoupon = CouponSpecific, "SAVE10", 2
	c := ctx()
	c.Explain = true
	if res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 0 || res.NotApplied[0].Reason != "Needs a coupon code" {
		t.Fatal("applied without a coupon")
	}
	c.Coupon = "save10"
	res := eval(t, []Rule{r}, cartOf(Item{Price: 1000, Qty: 1}), c)
	if res.ItemsDiscount != 100 || !res.CouponApplied {
		t.Fatal("coupon not applied (case-insensitive)")
	}
	s, _ := NewSnapshot([]Rule{r}, []Coupon{{Code: "SAVE10", RuleID: 1, UsageLimit: 2, TimesUsed: 2}})
	if res := s.Evaluate(cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 0 || res.NotApplied[0].Reason != "The coupon has been used the maximum number of times" {
		t.Fatalf("limit: %+v", res.NotApplied)
	}
	s, _ = NewSnapshot([]Rule{r}, []Coupon{{Code: "SAVE10", RuleID: 1, UsageLimit: 5, UsagePerCustomer: 1, TimesUsed: 1}})
	c.CustomerID, c.CustomerCouponUses = 9, map[string]int{"save10": 1}
	if res := s.Evaluate(cartOf(Item{Price: 1000, Qty: 1}), c); res.ItemsDiscount != 0 {
		t.Fatal("per-customer coupon limit ignored")
	}
	// Generated coupons.
	auto := baseRule(2, ByFixed, 300)
	auto.CouponType = CouponAuto
	s, _ = NewSnapshot([]Rule{auto}, []Coupon{{Code: "AUTO-1", RuleID: 2}})
	c2 := ctx()
	c2.Coupon = "auto-1"
	if res := s.Evaluate(cartOf(Item{Price: 1000, Qty: 1}), c2); res.ItemsDiscount != 300 {
		t.Fatal("generated coupon")
	}
	c2.Coupon = "AUTO-2"
	if res := s.Evaluate(cartOf(Item{Price: 1000, Qty: 1}), c2); res.ItemsDiscount != 0 || s.CouponKnown("AUTO-2") {
		t.Fatal("unknown generated coupon")
	}
	// Uses per customer of the rule.
	r2 := baseRule(3, ByFixed, 100)
	r2.UsesPerCustomer = 1
	c3 := ctx()
	c3.CustomerID, c3.CustomerRuleUses = 4, map[int64]int{3: 1}
	if res := eval(t, []Rule{r2}, cartOf(Item{Price: 1000, Qty: 1}), c3); res.ItemsDiscount != 0 {
		t.Fatal("uses per customer ignored")
	}
	c3.CustomerID = 0 // guests are not counted per customer
	if res := eval(t, []Rule{r2}, cartOf(Item{Price: 1000, Qty: 1}), c3); res.ItemsDiscount != 100 {
		t.Fatal("guest refused")
	}
}

func audienceRule(id int64, op string, ids ...string) Rule {
	r := baseRule(id, BuyXGetY, 1)
	r.Step = 2
	r.Conditions = All(Condition{Kind: KindAudience, Operator: op, Values: ids})
	return r
}

func TestAudienceConditions(t *testing.T) {
	cart := cartOf(Item{Price: 1000, Qty: 3})
	for _, tc := range []struct {
		name     string
		op       string
		shopper  []int64
		discount int64
	}{
		{"member", OpOneOf, []int64{5}, 1000},
		{"member of another", OpOneOf, []int64{6}, 0},
		{"no membership (unknown or inactive ids resolve to none)", OpOneOf, nil, 0},
		{"not one of, not a member", OpNotOneOf, []int64{6}, 1000},
		{"not one of, member", OpNotOneOf, []int64{5}, 0},
		{"not one of, no membership", OpNotOneOf, nil, 1000},
	} {
		c := ctx()
		c.Audiences = tc.shopper
		if res := eval(t, []Rule{audienceRule(1, tc.op, "5", "9")}, cart, c); res.ItemsDiscount != tc.discount {
			t.Errorf("%s: %d, want %d", tc.name, res.ItemsDiscount, tc.discount)
		}
	}
	c := ctx()
	c.Explain = true
	res := eval(t, []Rule{audienceRule(1, OpOneOf, "5")}, cart, c)
	if res.NotApplied[0].Reason != "The shopper is in none of the audiences: Real-Time CDP Audience is one of 5" {
		t.Fatalf("reason %q", res.NotApplied[0].Reason)
	}
}

func TestCartAndProductConditions(t *testing.T) {
	cart := cartOf(Item{SKU: "TEE-1", Price: 2500, Qty: 2, CategoryIDs: []int64{3, 4}, Attributes: map[string]string{"color": "Blue"}},
		Item{SKU: "MUG", Price: 1000, Qty: 1, CategoryIDs: []int64{8}})
	cart.Country, cart.ShippingMethod = "US", "flatrate_flatrate"
	for _, tc := range []struct {
		name string
		cond Condition
		want bool
	}{
		{"subtotal ≥ 60", All(Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpGTE, Value: "60"}), true},
		{"subtotal > 60", All(Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpGT, Value: "60"}), false},
		{"qty is 3", All(Condition{Kind: KindCart, Attribute: AttrTotalQty, Operator: OpIs, Value: "3"}), true},
		{"country one of", All(Condition{Kind: KindCart, Attribute: AttrCountry, Operator: OpOneOf, Values: []string{"ca", "us"}}), true},
		{"shipping contains", All(Condition{Kind: KindCart, Attribute: AttrShippingMethod, Operator: OpContains, Value: "flat"}), true},
		{"found sku", All(Condition{Kind: KindFound, Expect: true, Aggregator: "all", Conditions: []Condition{{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "tee-1"}}}), true},
		{"not found category 8", All(Condition{Kind: KindFound, Expect: false, Aggregator: "all", Conditions: []Condition{{Kind: KindProduct, Attribute: AttrCategories, Operator: OpIs, Values: []string{"8"}}}}), false},
		{"attribute color", All(Condition{Kind: KindFound, Expect: true, Conditions: []Condition{{Kind: KindProduct, Attribute: "attr:color", Operator: OpIs, Value: "blue"}}}), true},
		{"subselect qty ≥ 2 in category 3", All(Condition{Kind: KindSubselect, Attribute: AttrQty, Operator: OpGTE, Value: "2", Conditions: []Condition{{Kind: KindProduct, Attribute: AttrCategories, Operator: OpOneOf, Values: []string{"3"}}}}), true},
		{"subselect amount > 60", All(Condition{Kind: KindSubselect, Attribute: AttrRowTotal, Operator: OpGT, Value: "60", Conditions: nil}), false},
		{"ANY", Condition{Kind: KindCombine, Aggregator: "any", Expect: true, Conditions: []Condition{
			{Kind: KindCart, Attribute: AttrCountry, Operator: OpIs, Value: "FR"}, {Kind: KindCart, Attribute: AttrTotalQty, Operator: OpLT, Value: "5"}}}, true},
		{"ALL FALSE", Condition{Kind: KindCombine, Aggregator: "all", Expect: false, Conditions: []Condition{
			{Kind: KindCart, Attribute: AttrCountry, Operator: OpIs, Value: "FR"}}}, true},
		{"nested", All(Condition{Kind: KindCombine, Aggregator: "any", Expect: true, Conditions: []Condition{
			{Kind: KindCart, Attribute: AttrPostcode, Operator: OpIs, Value: "x"}, {Kind: KindCart, Attribute: AttrWeight, Operator: OpGTE, Value: "0"}}}), true},
	} {
		r := baseRule(1, ByFixed, 1)
		r.Conditions = tc.cond
		res := eval(t, []Rule{r}, cart, ctx())
		if got := res.ItemsDiscount > 0; got != tc.want {
			t.Errorf("%s: applied %v, want %v (%s)", tc.name, got, tc.want, Describe(tc.cond))
		}
	}
	// Action conditions choose the items.
	r := baseRule(1, ByPercent, 5000)
	r.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrPrice, Operator: OpGTE, Value: "20"})
	res := eval(t, []Rule{r}, cart, ctx())
	if res.Items[0].Discount != 2500 || res.Items[1].Discount != 0 {
		t.Fatalf("actions: %+v", res.Items)
	}
}

func TestLabels(t *testing.T) {
	r := baseRule(1, ByFixed, 100)
	if r.Label(1) != "Rule 1" {
		t.Fatal("name fallback")
	}
	r.DefaultLabel = "Offer"
	r.Labels = map[int64]string{2: "Angebot"}
	if r.Label(1) != "Offer" || r.Label(2) != "Angebot" {
		t.Fatal("labels")
	}
}

func TestInvalidConditionsAreRefused(t *testing.T) {
	for _, c := range []Condition{
		All(Condition{Kind: KindCart, Attribute: "nope", Operator: OpIs, Value: "1"}),
		All(Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpContains, Value: "1"}),
		All(Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpGT, Value: "abc"}),
		All(Condition{Kind: KindAudience, Operator: OpIs, Values: []string{"1"}}),
		All(Condition{Kind: KindAudience, Operator: OpOneOf}),
		All(Condition{Kind: "wat"}),
	} {
		if err := ValidateConditions(c, false); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

// --- property test ---------------------------------------------------------------------

func randomCondition(rng *rand.Rand, depth int) Condition {
	switch k := rng.IntN(8); {
	case k == 0 && depth < 2:
		agg := []string{"all", "any"}[rng.IntN(2)]
		var ch []Condition
		for i := 0; i < rng.IntN(3); i++ {
			ch = append(ch, randomCondition(rng, depth+1))
		}
		return Condition{Kind: KindCombine, Aggregator: agg, Expect: rng.IntN(4) > 0, Conditions: ch}
	case k <= 2:
		return Condition{Kind: KindAudience, Operator: []string{OpOneOf, OpOneOf, OpNotOneOf}[rng.IntN(3)],
			Values: []string{strconv.Itoa(1 + rng.IntN(30)), strconv.Itoa(1 + rng.IntN(30))}}
	case k == 3:
		return Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: []string{OpGTE, OpLT}[rng.IntN(2)], Value: strconv.Itoa(rng.IntN(200))}
	case k == 4:
		return Condition{Kind: KindCart, Attribute: AttrTotalQty, Operator: OpGTE, Value: strconv.Itoa(rng.IntN(8))}
	case k == 5:
		return Condition{Kind: KindFound, Expect: rng.IntN(2) == 0, Conditions: []Condition{{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "SKU-" + strconv.Itoa(1+rng.IntN(4))}}}
	case k == 6:
		return Condition{Kind: KindSubselect, Attribute: AttrQty, Operator: OpGTE, Value: strconv.Itoa(rng.IntN(5)),
			Conditions: []Condition{{Kind: KindProduct, Attribute: AttrCategories, Operator: OpOneOf, Values: []string{strconv.Itoa(rng.IntN(4))}}}}
	}
	return Condition{Kind: KindCart, Attribute: AttrCountry, Operator: OpOneOf, Values: []string{"US", "FR"}}
}

func randomRule(rng *rand.Rand, id int64) Rule {
	actions := []ActionType{ByPercent, ByFixed, CartFixed, BuyXGetY}
	r := baseRule(id, actions[rng.IntN(4)], 0)
	r.Priority = rng.IntN(4)
	r.Active = rng.IntN(10) > 0
	r.WebsiteIDs = []int64{1 + int64(rng.IntN(2))}
	r.CustomerGroupIDs = []int64{int64(rng.IntN(2)), 1}
	switch r.Action {
	case ByPercent:
		r.Amount = int64(rng.IntN(10001))
	case ByFixed, CartFixed:
		r.Amount = int64(rng.IntN(5000))
	case BuyXGetY:
		r.Amount, r.Step = int64(1+rng.IntN(2)), 1+rng.IntN(3)
	}
	if r.Action != BuyXGetY && rng.IntN(3) == 0 {
		r.Step = 1 + rng.IntN(3)
	}
	if rng.IntN(3) == 0 {
		r.MaxQty = 1 + rng.IntN(4)
	}
	r.StopFurther = rng.IntN(5) == 0
	r.ApplyToShipping = rng.IntN(3) == 0
	r.FreeShipping = []FreeShipping{FreeShippingNo, FreeShippingNo, FreeShippingMatching, FreeShippingWhole}[rng.IntN(4)]
	if rng.IntN(6) == 0 {
		r.CouponType, r.CouponCode = CouponSpecific, "C"+strconv.Itoa(rng.IntN(3))
	}
	var cs []Condition
	for i := 0; i < rng.IntN(3); i++ {
		cs = append(cs, randomCondition(rng, 0))
	}
	r.Conditions = All(cs...)
	if rng.IntN(5) == 0 {
		r.Conditions.Aggregator = "any"
	}
	if rng.IntN(3) == 0 {
		r.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrCategories, Operator: OpOneOf, Values: []string{strconv.Itoa(rng.IntN(4))}})
	}
	return r
}

func randomCart(rng *rand.Rand) *Cart {
	var items []Item
	for i := 0; i < 1+rng.IntN(5); i++ {
		items = append(items, Item{Price: int64(1 + rng.IntN(5000)), Qty: 1 + rng.IntN(7), CategoryIDs: []int64{int64(rng.IntN(4))}, Weight: 1})
	}
	c := cartOf(items...)
	c.Shipping = int64(rng.IntN(2000))
	c.Country = []string{"US", "FR", "DE"}[rng.IntN(3)]
	return c
}

// randomRules are 1 to 25 random rules.
func randomRules(rng *rand.Rand) []Rule {
	var rules []Rule
	for i := 0; i < 1+rng.IntN(25); i++ {
		rules = append(rules, randomRule(rng, int64(i+1)))
	}
	return rules
}

// randomShopper is a shopper on one of two websites and groups, in up to five audiences,
// sometimes with a coupon.
func randomShopper(rng *rand.Rand) *Shopper {
	c := &Shopper{WebsiteID: 1 + int64(rng.IntN(2)), CustomerGroupID: int64(rng.IntN(2)), Now: noon, StoreViewID: 1}
	for a := 0; a < rng.IntN(6); a++ {
		c.Audiences = append(c.Audiences, int64(1+rng.IntN(30)))
	}
	if rng.IntN(3) == 0 {
		c.Coupon = "c" + strconv.Itoa(rng.IntN(3))
	}
	return c
}

func TestIndexedEqualsReferenceOnRandomCarts(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 1000; round++ {
		rules := randomRules(rng)
		s, err := NewSnapshot(rules, nil)
		if err != nil {
			t.Fatal(err)
		}
		shuffled := slices.Clone(rules)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		s2, _ := NewSnapshot(shuffled, nil)
		for k := 0; k < 20; k++ {
			cart := randomCart(rng)
			c := randomShopper(rng)
			got := s.Evaluate(cart, c)
			ref := s.evaluateReference(byID(rules), cart, c)
			if !reflect.DeepEqual(got, ref) {
				t.Fatalf("round %d: indexed and reference differ\nindexed %+v\nreference %+v", round, got, ref)
			}
			// Independent of the order rules were given in and of the audiences' order.
			c2 := *c
			c2.Audiences = slices.Clone(c.Audiences)
			slices.Reverse(c2.Audiences)
			if again := s2.Evaluate(cart, &c2); !reflect.DeepEqual(got, again) {
				t.Fatalf("round %d: order dependent", round)
			}
			checkInvariants(t, cart, got)
		}
	}
}

func checkInvariants(t *testing.T, cart *Cart, r *Result) {
	t.Helper()
	var items, lines, applied int64
	for i, it := range r.Items {
		row := cart.Items[i].RowTotal()
		if it.Discount < 0 || it.Discount > row {
			t.Fatalf("item %d discounted %d of %d", i, it.Discount, row)
		}
		items += it.Discount
		for _, l := range it.Lines {
			lines += l.Amount
		}
	}
	for _, a := range r.Applied {
		applied += a.Discount
	}
	if items != r.ItemsDiscount || lines != items {
		t.Fatalf("item totals %d, lines %d, result %d", items, lines, r.ItemsDiscount)
	}
	if r.ShippingDiscount < 0 || r.ShippingDiscount > r.Shipping {
		t.Fatalf("shipping discount %d of %d", r.ShippingDiscount, r.Shipping)
	}
	if applied != r.ItemsDiscount+r.ShippingDiscount {
		t.Fatalf("applied rules sum %d, total discount %d", applied, r.ItemsDiscount+r.ShippingDiscount)
	}
}

func TestWholeCartFixedPassesOnWhatALineCannotTake(t *testing.T) {
	a := baseRule(1, ByPercent, 9000)
	a.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "SKU-1"})
	b := baseRule(2, CartFixed, 1000)
	b.Priority = 2
	res := eval(t, []Rule{a, b}, cartOf(Item{Price: 1000, Qty: 1}, Item{Price: 1000, Qty: 1}), ctx())
	if res.Applied[1].Discount != 1000 || res.ItemsDiscount != 1900 {
		t.Fatalf("whole-cart amount not fully given: %+v", res.Applied)
	}
}
