package pricerules

import "unsafe"

// A snapshot of a large store holds hundreds of thousands of small values: each rule's
// copy, its strings and id lists, its conditions trees and their compiled nodes. Allocated
// one by one they are as many heap objects, and the garbage collector marks every one of
// them in every cycle, however busy the storefront is: with 10,000 rules, a cycle's marking
// took about 7 ms of CPU more than with none, and the storefront's slowest answers came
// during those cycles. An arena puts them into a few large chunks instead, which the
// collector marks once each.
//
// What an arena holds is never changed after the snapshot is built, and lives as long as
// the snapshot: a chunk stays alive while anything points into it.
type arena struct {
	rules      slab[Rule]
	compiled   slab[compiled]
	combines   slab[combineNode]
	carts      slab[cartNode]
	audiences  slab[audienceNode]
	founds     slab[foundNode]
	subselects slab[subselectNode]
	items      slab[itemCombine]
	products   slab[productNode]
	nodes      slab[node]
	itemNodes  slab[itemNode]
	ints       slab[int64]
	floats     slab[float64]
	int32s     slab[int32]
	strs       slab[string]
	coupons    slab[Coupon]
	text       []byte // the rest of the current chunk of string bytes
	nextText   int    // the size of the next chunk
}

// slab hands out values of one type from chunks that grow to slabChunk values.
type slab[T any] struct {
	free []T
	next int // size of the next chunk
}

const (
	slabChunk = 4096
	textChunk = 64 << 10
)

// grow gives s a new chunk of at least n values.
func (s *slab[T]) grow(n int) {
	s.next = min(max(2*s.next, 16), slabChunk)
	s.free = make([]T, max(n, s.next))
}

// alloc returns a pointer to a new zero T.
func alloc[T any](s *slab[T]) *T {
	if len(s.free) == 0 {
		s.grow(1)
	}
	p := &s.free[0]
	s.free = s.free[1:]
	return p
}

// reserve returns an empty slice with room for n values, to be filled by append.
func reserve[T any](s *slab[T], n int) []T {
	if n == 0 {
		return nil
	}
	if len(s.free) < n {
		s.grow(n)
	}
	out := s.free[:0:n]
	s.free = s.free[n:]
	return out
}

// clone copies vs into the slab; appending to the copy reallocates it (its capacity is its
// length), so it never writes over a neighbour. nil stays nil.
func clone[T any](s *slab[T], vs []T) []T {
	if vs == nil {
		return nil
	}
	if len(vs) == 0 {
		return []T{}
	}
	if len(s.free) < len(vs) {
		s.grow(len(vs))
	}
	out := s.free[:len(vs):len(vs)]
	s.free = s.free[len(vs):]
	copy(out, vs)
	return out
}

// constants are the words of conditions: attribute codes, operators, kinds.
var constants = func() map[string]string {
	m := map[string]string{}
	for _, c := range []string{KindCombine, KindCart, KindFound, KindSubselect, KindProduct, KindAudience,
		AttrSubtotal, AttrTotalQty, AttrWeight, AttrShippingMethod, AttrPostcode, AttrRegion, AttrCountry, AttrPaymentMethod,
		AttrSKU, AttrCategories, AttrPrice, AttrQty, AttrRowTotal,
		OpIs, OpIsNot, OpGTE, OpLTE, OpGT, OpLT, OpContains, OpNotContains, OpOneOf, OpNotOneOf, "all", "any"} {
		m[c] = c
	}
	return m
}()

// str copies v into the arena's string bytes; a word of conditions is the program's own
// constant instead, in static memory, which the collector does not mark.
func (a *arena) str(v string) string {
	if c, ok := constants[v]; ok {
		return c
	}
	if len(v) == 0 {
		return ""
	}
	if len(v) > textChunk/8 {
		return string([]byte(v)) // a copy of its own: a long text would waste a chunk
	}
	if len(a.text) < len(v) {
		// Chunks grow as slabs do, so compiling one rule (to validate it) stays cheap.
		a.nextText = min(max(2*a.nextText, 256), textChunk)
		a.text = make([]byte, max(a.nextText, len(v)))
	}
	b := a.text[:len(v):len(v)]
	a.text = a.text[len(v):]
	copy(b, v)
	return unsafe.String(&b[0], len(b)) // b is never written again
}

// strings copies vs and their bytes into the arena.
func (a *arena) strings(vs []string) []string {
	out := clone(&a.strs, vs)
	for i, v := range out {
		out[i] = a.str(v)
	}
	return out
}

// rule copies r's settings, strings and lists into the arena, but not its conditions
// trees: compiled, they are not needed again. Its store-view labels stay a map of their
// own: few rules have any.
func (a *arena) rule(r *Rule) *Rule {
	out := alloc(&a.rules)
	*out = *r
	out.Name, out.Description, out.CouponCode = a.str(r.Name), a.str(r.Description), a.str(r.CouponCode)
	out.FromDate, out.ToDate, out.DefaultLabel = a.str(r.FromDate), a.str(r.ToDate), a.str(r.DefaultLabel)
	out.WebsiteIDs, out.CustomerGroupIDs = clone(&a.ints, r.WebsiteIDs), clone(&a.ints, r.CustomerGroupIDs)
	out.Conditions, out.ActionConditions = Condition{}, Condition{}
	return out
}
