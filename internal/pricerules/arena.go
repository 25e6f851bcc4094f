package pricerules

import (
	"unsafe"

	"audienceactivation/internal/chunk"
)

// A snapshot of a large store holds hundreds of thousands of small values: each rule's
// copy, its strings and id lists, its conditions trees and their compiled nodes. Allocated
// one by one they are as many heap objects, and the garbage collector marks every one of
// them in every cycle, however busy the storefront is: with 10,000 rules, a cycle's marking
// took about 7 ms of CPU more than with none, and the storefront's slowest answers came
// during those cycles. An arena puts them into a few large chunks instead (package chunk),
// which the collector marks once each.
//
// What an arena holds is never changed after the snapshot is built, and lives as long as
// the snapshot: a chunk stays alive while anything points into it.
type arena struct {
	rules      chunk.Allocator[Rule]
	compiled   chunk.Allocator[compiled]
	combines   chunk.Allocator[combineNode]
	carts      chunk.Allocator[cartNode]
	audiences  chunk.Allocator[audienceNode]
	founds     chunk.Allocator[foundNode]
	subselects chunk.Allocator[subselectNode]
	items      chunk.Allocator[itemCombine]
	products   chunk.Allocator[productNode]
	nodes      chunk.Allocator[node]
	itemNodes  chunk.Allocator[itemNode]
	ints       chunk.Allocator[int64]
	floats     chunk.Allocator[float64]
	int32s     chunk.Allocator[int32]
	strs       chunk.Allocator[string]
	coupons    chunk.Allocator[Coupon]
	text       chunk.Allocator[byte] // strings' bytes
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
	b := a.text.Make(len(v))
	copy(b, v)
	return unsafe.String(&b[0], len(b)) // b is never written again
}

// strings copies vs and their bytes into the arena.
func (a *arena) strings(vs []string) []string {
	out := a.strs.Clone(vs)
	for i, v := range out {
		out[i] = a.str(v)
	}
	return out
}

// rule copies r's settings, strings and lists into the arena, but not its conditions
// trees: compiled, they are not needed again. Its store-view labels stay a map of their
// own: few rules have any.
func (a *arena) rule(r *Rule) *Rule {
	out := a.rules.New()
	*out = *r
	out.Name, out.Description, out.CouponCode = a.str(r.Name), a.str(r.Description), a.str(r.CouponCode)
	out.FromDate, out.ToDate, out.DefaultLabel = a.str(r.FromDate), a.str(r.ToDate), a.str(r.DefaultLabel)
	out.WebsiteIDs, out.CustomerGroupIDs = a.ints.Clone(r.WebsiteIDs), a.ints.Clone(r.CustomerGroupIDs)
	out.Conditions, out.ActionConditions = Condition{}, Condition{}
	return out
}
