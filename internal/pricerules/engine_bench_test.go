package pricerules

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// benchRules builds n active rules shaped like a large store's: 80 % gated by one of 1,000
// audiences, 10 % needing a coupon code, 8 % for another website or customer group, and
// 2 % for everyone on this website (subtotal or SKU conditions). Most rules' actions target
// one of 20 categories, as "buy 2 get 1 free on T-shirts" does; every action type is used.
func benchRules(n int) []Rule {
	rng := rand.New(rand.NewPCG(7, 7))
	actions := []ActionType{ByPercent, ByFixed, CartFixed, BuyXGetY}
	rules := make([]Rule, n)
	for i := range rules {
		r := baseRule(int64(i+1), actions[i%4], 0)
		r.Priority = rng.IntN(10)
		r.CustomerGroupIDs = []int64{0, 1, 2, 3}
		switch r.Action {
		case ByPercent:
			r.Amount = 500
		case ByFixed:
			r.Amount = 50
		case CartFixed:
			r.Amount = 300
		case BuyXGetY:
			r.Amount, r.Step = 1, 2
		}
		r.ActionConditions = All(Condition{Kind: KindProduct, Attribute: AttrCategories, Operator: OpOneOf, Values: []string{strconv.Itoa(rng.IntN(20))}})
		switch k := i % 50; {
		case k < 40:
			r.Conditions = All(
				Condition{Kind: KindAudience, Operator: OpOneOf, Values: []string{strconv.Itoa(1 + rng.IntN(1000))}},
				Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpGTE, Value: "20"},
			)
		case k < 45:
			r.CouponType, r.CouponCode = CouponSpecific, fmt.Sprintf("CODE%d", i)
		case k < 47:
			r.WebsiteIDs = []int64{2}
		case k < 49:
			r.CustomerGroupIDs = []int64{2, 3}
		default:
			if i%2 == 0 {
				r.Conditions = All(Condition{Kind: KindCart, Attribute: AttrSubtotal, Operator: OpGTE, Value: strconv.Itoa(rng.IntN(500))})
			} else {
				r.Conditions = All(Condition{Kind: KindFound, Expect: true, Conditions: []Condition{
					{Kind: KindProduct, Attribute: AttrSKU, Operator: OpIs, Value: "SKU-" + strconv.Itoa(1+rng.IntN(40))}}})
			}
		}
		rules[i] = r
	}
	return rules
}

func benchInput() (*Cart, *Shopper) {
	rng := rand.New(rand.NewPCG(3, 3))
	var items []Item
	for i := 0; i < 10; i++ {
		items = append(items, Item{Price: int64(500 + rng.IntN(5000)), Qty: 1 + rng.IntN(4), CategoryIDs: []int64{int64(rng.IntN(20))}})
	}
	cart := cartOf(items...)
	cart.Shipping = 500
	c := &Shopper{WebsiteID: 1, StoreViewID: 1, CustomerGroupID: 1, Now: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)}
	for i := 0; i < 20; i++ {
		c.Audiences = append(c.Audiences, int64(1+rng.IntN(1000)))
	}
	return cart, c
}

// BenchmarkEngine reports, for a 10-line cart and a shopper in 20 of 1,000 audiences, the
// indexed engine and the reference evaluator at 100, 1,000 and 10,000 active rules.
func BenchmarkEngine(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		rules := benchRules(n)
		s, err := NewSnapshot(rules, nil)
		if err != nil {
			b.Fatal(err)
		}
		sources := byID(rules)
		cart, c := benchInput()
		b.Run(fmt.Sprintf("rules=%d/indexed", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.Evaluate(cart, c)
			}
		})
		b.Run(fmt.Sprintf("rules=%d/reference", n), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				s.evaluateReference(sources, cart, c)
			}
		})
		// Both in one benchmark, back to back, so the ratio is measured under the same
		// machine load (interleaving them per call would let each evict the other's cache).
		b.Run(fmt.Sprintf("rules=%d/ratio", n), func(b *testing.B) {
			t0 := time.Now()
			for i := 0; i < b.N; i++ {
				s.Evaluate(cart, c)
			}
			fast := time.Since(t0)
			t1 := time.Now()
			for i := 0; i < b.N; i++ {
				s.evaluateReference(sources, cart, c)
			}
			slow := time.Since(t1)
			b.ReportMetric(float64(fast.Nanoseconds())/float64(b.N), "indexed-ns/op")
			b.ReportMetric(float64(slow.Nanoseconds())/float64(b.N), "reference-ns/op")
			b.ReportMetric(float64(slow)/float64(fast), "speedup-x")
		})
	}
}

// BenchmarkRemembered reports the memo's two paths at 1,000 rules for benchInput's cart and
// shopper: "hit", a cart priced again (a storefront's repeat), and "new", every call a new
// shopper (the memo cannot help; its key, lookup and hash note are the overhead).
func BenchmarkRemembered(b *testing.B) {
	s, err := NewSnapshot(benchRules(1000), nil)
	if err != nil {
		b.Fatal(err)
	}
	cart, c := benchInput()
	b.Run("hit", func(b *testing.B) {
		s.EvaluateRemembered(cart, c)
		s.EvaluateRemembered(cart, c)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			s.EvaluateRemembered(cart, c)
		}
	})
	b.Run("new", func(b *testing.B) {
		b.ReportAllocs()
		shopper := *c
		for i := 0; i < b.N; i++ {
			shopper.CustomerID = int64(i + 1)
			s.EvaluateRemembered(cart, &shopper)
		}
	})
}
