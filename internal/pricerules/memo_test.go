package pricerules

import (
	"math/rand/v2"
	"reflect"
	"strings"
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
	if n := s.memo.answers.Len(); n != 1 {
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
	kept := s.memo.answers.Len
	first := s.EvaluateRemembered(cart, ctx())
	if n := kept(); n != 0 {
		t.Fatalf("%d answers kept after the first time, want none", n)
	}
	second := s.EvaluateRemembered(cart, ctx())
	if n := kept(); n != 1 {
		t.Fatalf("%d answers kept after the second time, want 1", n)
	}
	third := s.EvaluateRemembered(cart, ctx())
	if !reflect.DeepEqual(first, second) || !reflect.DeepEqual(second, third) {
		t.Fatalf("first %+v, second %+v, third %+v: want the same answer", first, second, third)
	}
	for i := range 5 * memoSize {
		s.EvaluateRemembered(cartOf(Item{Price: int64(2000 + i), Qty: 1}), ctx())
	}
	if n := kept(); n > 1 {
		t.Fatalf("%d answers kept for carts priced once", n)
	}
}

// memoIgnored lists the fields of the engine's inputs that are deliberately not in the memo
// key, with the reason. Every other field must change the key (TestMemoKeyCoversEveryField).
var memoIgnored = map[string]string{
	"Shopper.Explain":  "an explained evaluation is never remembered (EvaluateRemembered evaluates it)",
	"Shopper.Location": "only the day it makes of Now is keyed: tested with Now (\"timezone's day\" above)",
}

// TestMemoKeyCoversEveryField changes, one at a time, every field of Shopper, Cart and Item
// (an item's fields on the first line), found by reflection, and requires a new key unless
// the field is listed in memoIgnored. A field added to an input without keying it fails
// here, before one shopper can be served another's totals.
func TestMemoKeyCoversEveryField(t *testing.T) {
	base := func() (*Cart, *Shopper) {
		c := cartOf(Item{Price: 2500, Qty: 2, Weight: 0.5, CategoryIDs: []int64{3}, Attributes: map[string]string{"color": "red"}},
			Item{Price: 900, Qty: 1})
		c.Shipping, c.ShippingMethod, c.Country = 500, "flatrate_flatrate", "FR"
		return c, &Shopper{WebsiteID: 1, StoreViewID: 1, CustomerGroupID: 1, CustomerID: 7, Audiences: []int64{3}, Coupon: "SAVE",
			Now: noon, Location: time.UTC, CustomerRuleUses: map[int64]int{1: 1}, CustomerCouponUses: map[string]int{"save": 1}}
	}
	cart, who := base()
	want := memoKey(cart, who)
	checked := 0
	// each visits the fields of the struct v points into, changing one at a time.
	var each func(prefix string, get func(*Cart, *Shopper) reflect.Value)
	each = func(prefix string, get func(*Cart, *Shopper) reflect.Value) {
		c, w := base()
		typ := get(c, w).Type()
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := prefix + "." + f.Name
			if f.Name == "Items" && f.Type == reflect.TypeFor[[]Item]() {
				// A line added or removed is tested above; here each field of a line.
				each("Item", func(c *Cart, _ *Shopper) reflect.Value { return reflect.ValueOf(&c.Items[0]).Elem() })
				continue
			}
			if _, ok := memoIgnored[name]; ok {
				continue
			}
			c, w := base()
			if !change(get(c, w).Field(i)) {
				t.Errorf("%s (%s): the test cannot change this kind of field; teach change() or list it in memoIgnored", name, f.Type)
				continue
			}
			checked++
			if memoKey(c, w) == want {
				t.Errorf("%s is not in the memo key: a changed %s would be answered with another's totals (key it in memoKey, or list it in memoIgnored with the reason)", name, name)
			}
		}
	}
	each("Shopper", func(_ *Cart, w *Shopper) reflect.Value { return reflect.ValueOf(w).Elem() })
	each("Cart", func(c *Cart, _ *Shopper) reflect.Value { return reflect.ValueOf(c).Elem() })
	if checked < 20 {
		t.Fatalf("only %d fields changed: is the walk broken?", checked)
	}
	for name := range memoIgnored {
		typ, field, _ := strings.Cut(name, ".")
		var st reflect.Type
		switch typ {
		case "Shopper":
			st = reflect.TypeFor[Shopper]()
		case "Cart":
			st = reflect.TypeFor[Cart]()
		case "Item":
			st = reflect.TypeFor[Item]()
		}
		if st == nil {
			t.Errorf("memoIgnored names %s, which is no input type", name)
		} else if _, ok := st.FieldByName(field); !ok {
			t.Errorf("memoIgnored names %s, which %s does not have: delete the line", name, typ)
		}
	}
}

// change sets v to a different value of its type; false when it does not know the type.
func change(v reflect.Value) bool {
	switch v.Interface().(type) {
	case time.Time:
		v.Set(reflect.ValueOf(v.Interface().(time.Time).Add(24 * time.Hour)))
		return true
	case *time.Location:
		return false
	}
	switch v.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		v.SetInt(v.Int() + 1)
	case reflect.Float64:
		v.SetFloat(v.Float() + 0.25)
	case reflect.String:
		v.SetString(v.String() + "x")
	case reflect.Bool:
		v.SetBool(!v.Bool())
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
			return true
		}
		// Change the first element in a copy (the base's slices are the test's own).
		cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(cp, v)
		if !change(cp.Index(0)) {
			return false
		}
		v.Set(cp)
	case reflect.Map:
		cp := reflect.MakeMap(v.Type())
		for _, k := range v.MapKeys() {
			cp.SetMapIndex(k, v.MapIndex(k))
		}
		k := reflect.New(v.Type().Key()).Elem()
		for change(k) && cp.MapIndex(k).IsValid() {
		}
		val := reflect.New(v.Type().Elem()).Elem()
		change(val)
		cp.SetMapIndex(k, val)
		v.Set(cp)
	default:
		return false
	}
	return true
}

// TestRememberedAnswersAreTheCallers: whatever a caller does to the Result it got (every
// field, found by reflection, changed; lines appended), the next caller gets the answer the
// engine gives.
func TestRememberedAnswersAreTheCallers(t *testing.T) {
	r1, r2 := baseRule(1, ByPercent, 1000), baseRule(2, ByFixed, 100)
	r1.ApplyToShipping = true
	s, err := NewSnapshot([]Rule{r1, r2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cart := cartOf(Item{Price: 2500, Qty: 2}, Item{Price: 900, Qty: 1})
	cart.Shipping = 500
	want := s.Evaluate(cart, ctx())
	if len(want.Items) != 2 || len(want.Items[0].Lines) != 2 || len(want.Applied) != 2 {
		t.Fatalf("the test needs two items with two lines each and two rules applied: %+v", want)
	}
	for round := range 4 {
		got := s.EvaluateRemembered(cart, ctx())
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round %d: got %+v\nwant %+v", round, got, want)
		}
		scribbleAll(reflect.ValueOf(got).Elem())
		got.Items[0].Lines = append(got.Items[0].Lines, LineDiscount{RuleID: 99, Amount: 1})
		got.Applied = append(got.Applied[:1], AppliedRule{RuleID: 98})
	}
}

// scribbleAll changes every field reachable from v in place (slices' elements included).
func scribbleAll(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			scribbleAll(v.Field(i))
		}
	case reflect.Slice:
		for i := range v.Len() {
			scribbleAll(v.Index(i))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			scribbleAll(v.Elem())
		}
	default:
		if v.CanSet() {
			change(v)
		}
	}
}

// However many carts are priced twice, the memory holds at most memoSize answers and
// memoSeen hashes, and a cart asked for on every page meanwhile (the mini-cart) is among
// those kept: the least recently asked for go first.
func TestRememberedIsBoundedAndKeepsTheRecent(t *testing.T) {
	s, _ := NewSnapshot([]Rule{baseRule(1, ByPercent, 1000)}, nil)
	mine := cartOf(Item{Price: 1000, Qty: 1})
	s.EvaluateRemembered(mine, ctx())
	s.EvaluateRemembered(mine, ctx())
	for i := range 3 * memoSize {
		other := cartOf(Item{Price: int64(2000 + i), Qty: 1})
		s.EvaluateRemembered(other, ctx())
		s.EvaluateRemembered(other, ctx())
		if i%100 == 0 {
			if !s.memo.answers.Contains(memoKey(mine, ctx())) {
				t.Fatalf("after %d other carts, the cart asked for all along was forgotten", i)
			}
			s.EvaluateRemembered(mine, ctx())
		}
	}
	if n := s.memo.answers.Len(); n > memoSize {
		t.Errorf("%d answers kept, more than %d", n, memoSize)
	}
	if n := s.memo.seen.Len(); n > memoSeen {
		t.Errorf("%d hashes kept, more than %d", n, memoSeen)
	}
	if s.memo.answers.Contains(memoKey(cartOf(Item{Price: 2000, Qty: 1}), ctx())) {
		t.Error("the first of the other carts, not asked for since, is still kept")
	}
}
