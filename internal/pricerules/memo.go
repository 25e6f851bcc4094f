package pricerules

import (
	"encoding/binary"
	"hash/maphash"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// A storefront prices the same cart again and again (every page shows the mini-cart, a
// headless client asks for the cart after each step) while nothing that decides the price
// has changed. EvaluateRemembered answers those repeats from memory. The memory belongs to
// the snapshot, so a rule saved in the admin (a new snapshot) starts from nothing, and an
// answer is found only under every input of the evaluation: the cart's items with their
// prices, quantities, weights, categories and attributes, its shipping, address and payment
// method, and the shopper's website, store view, group, customer, audiences, coupon, usage
// and day in the store's timezone. Nothing can make a remembered answer stale.

// memoSize bounds the answers one snapshot remembers: between memoSize and twice that.
// memoMaxItems bounds the carts remembered, and so the memory: a cart of more lines, rare
// and slower to price anyway, is priced every time.
const (
	memoSize     = 2048
	memoMaxItems = 50
)

// memo keeps the recent answers in two generations (see generations).
//
// An answer is kept only when its inputs come a second time: the first time, memo notes
// the key's hash alone (seen, in two generations too). A cart priced once (a shopper's
// audiences change with every page, say) then costs the collector eight bytes, not a
// result it would mark in every cycle while no request ever asks for it again.
type memo struct {
	mu      sync.Mutex
	answers generations[string, *Result]
	seen    generations[uint64, struct{}]
}

var memoSeed = maphash.MakeSeed()

// firstTime notes key and reports whether it is new to the memo.
func (m *memo) firstTime(key string) bool {
	h := maphash.String(memoSeed, key)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, again := m.seen.get(h, 4*memoSize); again {
		return false
	}
	m.seen.put(h, struct{}{}, 4*memoSize)
	return true
}

func (m *memo) get(key string) (*Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.answers.get(key, memoSize)
}

func (m *memo) put(key string, r *Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.answers.put(key, r, memoSize)
}

// generations is a map kept in two generations of at most size entries: a lookup searches
// the current one, then the previous (and brings what it finds there into the current
// one); when the current one is full it becomes the previous one, and the entries not
// asked for during a whole generation are forgotten.
type generations[K comparable, V any] struct {
	cur, prev map[K]V
}

func (g *generations[K, V]) get(k K, size int) (V, bool) {
	if v, ok := g.cur[k]; ok {
		return v, true
	}
	v, ok := g.prev[k]
	if ok {
		g.put(k, v, size)
	}
	return v, ok
}

func (g *generations[K, V]) put(k K, v V, size int) {
	if g.cur == nil || len(g.cur) >= size {
		g.prev, g.cur = g.cur, make(map[K]V, size)
	}
	g.cur[k] = v
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
	if r, ok := s.memo.get(key); ok {
		return r.clone()
	}
	r := s.Evaluate(cart, who)
	if !s.memo.firstTime(key) {
		s.memo.put(key, r.clone())
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
