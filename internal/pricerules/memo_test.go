package pricerules

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
)

// A remembered answer is the evaluated one, for random rules, carts and shoppers asked
// again and again, with a memory small enough to forget.
func TestRememberedEqualsEvaluated(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for round := 0; round < 200; round++ {
		s, err := NewSnapshot(randomRules(rng), nil)
		if err != nil {
			t.Fatal(err)
		}
		type ask struct {
			cart *Cart
			ctx  *Shopper
		}
		var asks []ask
		for k := 0; k < 10; k++ {
			asks = append(asks, ask{randomCart(rng), randomShopper(rng)})
		}
		for n := 0; n < 40; n++ {
			a := asks[rng.IntN(len(asks))]
			if got, want := s.EvaluateRemembered(a.cart, a.ctx), s.Evaluate(a.cart, a.ctx); !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d: remembered %+v\nevaluated %+v", round, got, want)
			}
		}
	}
}

// Every input of an evaluation is part of the key: changing any one of them is a new
// evaluation, never an old answer.
func TestRememberedKeyCoversEveryInput(t *testing.T) {
	paris, _ := time.LoadLocation("Europe/Paris")
	baseCart := func() *Cart {
		c := cartOf(Item{Price: 2500, Qty: 2, Weight: 0.5, CategoryIDs: []int64{3}, Attributes: map[string]string{"color": "red"}},
			Item{Price: 900, Qty: 1, Weight: 1, CategoryIDs: []int64{4, 5}})
		c.Shipping, c.ShippingMethod, c.Postcode, c.Region, c.Country, c.PaymentMethod = 500, "flatrate_flatrate", "75001", "IDF", "FR", "checkmo"
		return c
	}
	baseCtx := func() *Shopper {
		return &Shopper{WebsiteID: 1, StoreViewID: 1, CustomerGroupID: 1, CustomerID: 7, Audiences: []int64{3, 9}, Coupon: "SAVE",
			Now: noon, Location: time.UTC, CustomerRuleUses: map[int64]int{1: 1}, CustomerCouponUses: map[string]int{"SAVE": 1}}
	}
	changes := map[string]func(*Cart, *Shopper){
		"website":         func(_ *Cart, c *Shopper) { c.WebsiteID = 2 },
		"store view":      func(_ *Cart, c *Shopper) { c.StoreViewID = 2 },
		"group":           func(_ *Cart, c *Shopper) { c.CustomerGroupID = 0 },
		"customer":        func(_ *Cart, c *Shopper) { c.CustomerID = 8 },
		"audience joined": func(_ *Cart, c *Shopper) { c.Audiences = append(c.Audiences, 12) },
		"audience left":   func(_ *Cart, c *Shopper) { c.Audiences = c.Audiences[:1] },
		"coupon":          func(_ *Cart, c *Shopper) { c.Coupon = "SAVE2" },
		"next day":        func(_ *Cart, c *Shopper) { c.Now = noon.Add(24 * time.Hour) },
		"timezone's day":  func(_ *Cart, c *Shopper) { c.Now = time.Date(2026, 11, 28, 23, 30, 0, 0, time.UTC); c.Location = paris },
		"rule uses":       func(_ *Cart, c *Shopper) { c.CustomerRuleUses[1] = 2 },
		"coupon uses":     func(_ *Cart, c *Shopper) { c.CustomerCouponUses["SAVE"] = 2 },
		"shipping":        func(k *Cart, _ *Shopper) { k.Shipping = 600 },
		"method":          func(k *Cart, _ *Shopper) { k.ShippingMethod = "" },
		"postcode":        func(k *Cart, _ *Shopper) { k.Postcode = "75002" },
		"region":          func(k *Cart, _ *Shopper) { k.Region = "" },
		"country":         func(k *Cart, _ *Shopper) { k.Country = "DE" },
		"payment":         func(k *Cart, _ *Shopper) { k.PaymentMethod = "free" },
		"line added":      func(k *Cart, _ *Shopper) { k.Items = append(k.Items, Item{ID: 3, SKU: "SKU-3", Price: 100, Qty: 1}) },
		"line removed":    func(k *Cart, _ *Shopper) { k.Items = k.Items[:1] },
		"item id":         func(k *Cart, _ *Shopper) { k.Items[0].ID = 9 },
		"sku":             func(k *Cart, _ *Shopper) { k.Items[0].SKU = "SKU-9" },
		"price":           func(k *Cart, _ *Shopper) { k.Items[0].Price = 2400 },
		"qty":             func(k *Cart, _ *Shopper) { k.Items[0].Qty = 3 },
		"weight":          func(k *Cart, _ *Shopper) { k.Items[0].Weight = 0.6 },
		"category":        func(k *Cart, _ *Shopper) { k.Items[1].CategoryIDs = []int64{4} },
		"attribute value": func(k *Cart, _ *Shopper) { k.Items[0].Attributes["color"] = "blue" },
		"attribute added": func(k *Cart, _ *Shopper) { k.Items[1].Attributes = map[string]string{"size": "m"} },
		// Lengths are encoded: moving characters between fields is a change.
		"shifted text": func(k *Cart, _ *Shopper) { k.Postcode, k.Region = "75001I", "DF" },
	}
	base := memoKey(baseCart(), baseCtx())
	if again := memoKey(baseCart(), baseCtx()); again != base {
		t.Fatal("the same inputs give different keys")
	}
	for name, change := range changes {
		cart, c := baseCart(), baseCtx()
		change(cart, c)
		if memoKey(cart, c) == base {
			t.Errorf("%s: same key", name)
		}
	}
	// The same day seen from another timezone where it is still that day is the same key.
	c := baseCtx()
	c.Now, c.Location = time.Date(2026, 11, 28, 11, 0, 0, 0, time.UTC), paris
	if memoKey(baseCart(), c) != base {
		t.Error("another hour of the same day changed the key")
	}
}

// An explanation is never answered from memory: it carries what the answer left out.
func TestRememberedExplainsFresh(t *testing.T) {
	r := baseRule(1, ByPercent, 1000)
	r.WebsiteIDs = []int64{2} // not for the shopper's website
	s, _ := NewSnapshot([]Rule{r}, nil)
	cart := cartOf(Item{Price: 1000, Qty: 1})
	c := ctx()
	if res := s.EvaluateRemembered(cart, c); len(res.Applied) != 0 || len(res.NotApplied) != 0 {
		t.Fatalf("not explained: %+v", res)
	}
	c.Explain = true
	if res := s.EvaluateRemembered(cart, c); len(res.NotApplied) != 1 {
		t.Fatalf("explained: %+v", res)
	}
}

// A cart of more lines than memoMaxItems is priced every time, so the memory stays small.
func TestRememberedSkipsLargeCarts(t *testing.T) {
	s, _ := NewSnapshot([]Rule{baseRule(1, ByPercent, 1000)}, nil)
	small := cartOf(Item{Price: 1000, Qty: 1})
	var lines []Item
	for range memoMaxItems + 1 {
		lines = append(lines, Item{Price: 100, Qty: 1})
	}
	large := cartOf(lines...)
	for range 2 {
		s.EvaluateRemembered(small, ctx())
		s.EvaluateRemembered(large, ctx())
	}
	if n := len(s.memo.answers.cur); n != 1 {
		t.Fatalf("%d carts remembered, want the small one only", n)
	}
	if got, want := s.EvaluateRemembered(large, ctx()), s.Evaluate(large, ctx()); !reflect.DeepEqual(got, want) {
		t.Fatalf("large cart: %+v, want %+v", got, want)
	}
}

// A cart priced once is not kept (its key's hash is); priced again, its answer is kept and
// answers from then on. Thousands of carts priced once keep no answer at all.
func TestRememberedOnTheSecondTime(t *testing.T) {
	s, _ := NewSnapshot([]Rule{baseRule(1, ByPercent, 1000)}, nil)
	cart := cartOf(Item{Price: 1000, Qty: 1})
	first := s.EvaluateRemembered(cart, ctx())
	second := s.EvaluateRemembered(cart, ctx())
	third := s.EvaluateRemembered(cart, ctx())
	if first == second || second != third || !reflect.DeepEqual(first, third) {
		t.Fatalf("first %p, second %p, third %p: want the second answer kept", first, second, third)
	}
	for i := range 5 * memoSize {
		s.EvaluateRemembered(cartOf(Item{Price: int64(2000 + i), Qty: 1}), ctx())
	}
	if n := len(s.memo.answers.cur) + len(s.memo.answers.prev); n > 1 {
		t.Fatalf("%d answers kept for carts priced once", n)
	}
}
