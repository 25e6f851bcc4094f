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

// memo keeps the recent answers in two generations: a lookup searches the current one,
// then the previous; when the current one is full it becomes the previous one, and the
// answers not asked for during a whole generation are forgotten.
//
// An answer is kept only when its inputs come a second time: the first time, memo notes
// the key's hash alone (seen, in two generations too). A cart priced once (a shopper's
// audiences change with every page, say) then costs the collector eight bytes, not a
// result it would mark in every cycle while no request ever asks for it again.
type memo struct {
	mu          sync.Mutex
	cur, prev   map[string]*Result
	seen, seen0 map[uint64]struct{} // current and previous generation of first sightings
}

var memoSeed = maphash.MakeSeed()

// firstTime notes key and reports whether it is new to the memo.
func (m *memo) firstTime(key string) bool {
	h := maphash.String(memoSeed, key)
	m.mu.Lock()
	defer m.mu.Unlock()
	_, again := m.seen[h]
	if !again {
		_, again = m.seen0[h]
	}
	if again {
		return false
	}
	if m.seen == nil || len(m.seen) >= 4*memoSize {
		m.seen0, m.seen = m.seen, make(map[uint64]struct{}, 4*memoSize)
	}
	m.seen[h] = struct{}{}
	return true
}

func (m *memo) get(key string) (*Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.cur[key]; ok {
		return r, true
	}
	if r, ok := m.prev[key]; ok {
		m.putLocked(key, r)
		return r, true
	}
	return nil, false
}

func (m *memo) put(key string, r *Result) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.putLocked(key, r)
}

func (m *memo) putLocked(key string, r *Result) {
	if m.cur == nil || len(m.cur) >= memoSize {
		m.prev, m.cur = m.cur, make(map[string]*Result, memoSize)
	}
	m.cur[key] = r
}

// EvaluateRemembered is Evaluate, answered from memory when the same inputs were evaluated
// on this snapshot recently (twice: see memo). The result is shared: callers must not change it. A request
// to explain, and a cart of more than memoMaxItems lines, is always evaluated.
func (s *Snapshot) EvaluateRemembered(cart *Cart, ctx *Context) *Result {
	if ctx.Explain || len(cart.Items) > memoMaxItems {
		return s.Evaluate(cart, ctx)
	}
	key := memoKey(cart, ctx)
	if r, ok := s.memo.get(key); ok {
		return r
	}
	r := s.Evaluate(cart, ctx)
	if !s.memo.firstTime(key) {
		s.memo.put(key, r)
	}
	return r
}

// memoKey encodes every input of an evaluation; strings carry their length, so no two
// different inputs share a key.
func memoKey(cart *Cart, ctx *Context) string {
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
	for _, id := range slices.Sorted(maps.Keys(ctx.CustomerRuleUses)) {
		num(id)
		num(int64(ctx.CustomerRuleUses[id]))
	}
	num(int64(len(ctx.CustomerCouponUses)))
	for _, code := range slices.Sorted(maps.Keys(ctx.CustomerCouponUses)) {
		str(code)
		num(int64(ctx.CustomerCouponUses[code]))
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
		for _, k := range slices.Sorted(maps.Keys(it.Attributes)) {
			str(k)
			str(it.Attributes[k])
		}
	}
	return string(b)
}
