package pricerules

import (
	"encoding/binary"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// A storefront prices the same cart again and again (every page shows the mini-cart, a
// headless client asks for the cart after each step) while nothing that decides the price
// has changed. EvaluateRemembered answers those repeats from memory. The memory belongs to
// the snapshot, so a rule saved in the admin (a new snapshot) starts from nothing, and an
// answer is found only under every input of the evaluation: the cart's items with their
// prices, quantities, weights, categories and attributes, its shipping, address and payment
// method, and the shopper's website, store view, group, customer, audiences, coupon, usage
// and day in the store's timezone. Nothing can make a remembered answer stale.

// memoSize bounds the answers one snapshot remembers, and memoSeen the hashes of inputs
// seen once (see memo). memoMaxItems bounds the carts remembered, and so the memory: a
// cart of more lines, rare and slower to price anyway, is priced every time.
const (
	memoSize     = 4096
	memoSeen     = 4 * memoSize
	memoMaxItems = 50
)

// memo keeps the answers most recently asked for, in an LRU cache (hashicorp's
// golang-lru, which gqlgen's own query cache uses too).
//
// An answer is kept only when its inputs come a second time: the first time, memo notes
// the key's hash alone, in a second LRU cache. A cart priced once (a shopper's audiences
// change with every page, say) then costs one small entry, its hash, not a copy of a
// result that the collector would mark in every cycle while no request asks for it again.
// (golang-lru's 2Q cache tells repeats apart too, but keeps the value the first time:
// every new shopper's answer would be copied and held.)
type memo struct {
	answers *lru.Cache[string, *Result]
	seen    *lru.Cache[uint64, struct{}]
}

func newMemo() memo {
	answers, err := lru.New[string, *Result](memoSize)
	if err != nil {
		panic(err) // only for a size below one
	}
	seen, err := lru.New[uint64, struct{}](memoSeen)
	if err != nil {
		panic(err)
	}
	return memo{answers: answers, seen: seen}
}

var memoSeed = maphash.MakeSeed()

// firstTime notes key and reports whether it is new to the memo.
func (m *memo) firstTime(key string) bool {
	again, _ := m.seen.ContainsOrAdd(maphash.String(memoSeed, key), struct{}{})
	return !again
}

// EvaluateRemembered is Evaluate, answered from memory when the same inputs were evaluated
// on this snapshot recently (twice: see memo). Every call returns the caller's own Result:
// the memory keeps a copy no caller holds, so a caller that changes its answer (or appends
// to its slices) cannot change another shopper's. A request to explain, and a cart of more
// than memoMaxItems lines, is always evaluated.
func (s *Snapshot) EvaluateRemembered(cart *Cart, who *Shopper) *Result {
	if who.Explain || len(cart.Items) > memoMaxItems {
		return s.Evaluate(cart, who)
	}
	key := memoKey(cart, who)
	if r, ok := s.memo.answers.Get(key); ok {
		return r.clone()
	}
	r := s.Evaluate(cart, who)
	if !s.memo.firstTime(key) {
		s.memo.answers.Add(key, r.clone())
	}
	return r
}

// clone copies r so that the copy shares no memory a caller could write with r. The item
// lines share one new array, each line's slice capped at its length, so an append to one
// item's lines reallocates instead of writing over the next item's: four allocations
// whatever the cart.
func (r *Result) clone() *Result {
	c := *r
	c.Items = slices.Clone(r.Items)
	n := 0
	for i := range r.Items {
		n += len(r.Items[i].Lines)
	}
	if n > 0 {
		lines := make([]LineDiscount, 0, n)
		for i := range c.Items {
			if l := r.Items[i].Lines; l != nil {
				start := len(lines)
				lines = append(lines, l...)
				c.Items[i].Lines = lines[start:len(lines):len(lines)]
			}
		}
	}
	c.Applied = slices.Clone(r.Applied)
	c.NotApplied = slices.Clone(r.NotApplied)
	return &c
}

// memoKey encodes every input of an evaluation; strings carry their length, so no two
// different inputs share a key.
func memoKey(cart *Cart, ctx *Shopper) string {
	b := make([]byte, 0, 256)
	num := func(v int64) { b = binary.AppendVarint(b, v) }
	str := func(v string) {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	ids := func(v []int64) {
		num(int64(len(v)))
		for _, x := range v {
			num(x)
		}
	}
	num(ctx.WebsiteID)
	num(ctx.StoreViewID)
	num(ctx.CustomerGroupID)
	num(ctx.CustomerID)
	ids(ctx.Audiences)
	str(ctx.Coupon)
	loc := ctx.Location
	if loc == nil {
		loc = time.UTC
	}
	y, mo, d := ctx.Now.In(loc).Date()
	num(int64(y*10000 + int(mo)*100 + d)) // rules are scheduled by the day
	num(int64(len(ctx.CustomerRuleUses)))
	if len(ctx.CustomerRuleUses) > 0 { // sorting allocates: not for a guest
		for _, id := range slices.Sorted(maps.Keys(ctx.CustomerRuleUses)) {
			num(id)
			num(int64(ctx.CustomerRuleUses[id]))
		}
	}
	num(int64(len(ctx.CustomerCouponUses)))
	if len(ctx.CustomerCouponUses) > 0 {
		for _, code := range slices.Sorted(maps.Keys(ctx.CustomerCouponUses)) {
			str(code)
			num(int64(ctx.CustomerCouponUses[code]))
		}
	}
	num(cart.Shipping)
	str(cart.ShippingMethod)
	str(cart.Postcode)
	str(cart.Region)
	str(cart.Country)
	str(cart.PaymentMethod)
	num(int64(len(cart.Items)))
	for i := range cart.Items {
		it := &cart.Items[i]
		num(it.ID)
		str(it.SKU)
		num(it.Price)
		num(int64(it.Qty))
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(it.Weight))
		ids(it.CategoryIDs)
		num(int64(len(it.Attributes)))
		if len(it.Attributes) > 0 { // sorting allocates: not for a line without attributes
			for _, k := range slices.Sorted(maps.Keys(it.Attributes)) {
				str(k)
				str(it.Attributes[k])
			}
		}
	}
	return string(b)
}
