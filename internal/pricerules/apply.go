package pricerules

import (
	"slices"
	"strings"
)

// applier runs the action phase: rules that pass their checks, in priority order, discount
// the items their action conditions match, then shipping.
type applier struct {
	s       *Snapshot
	ec      *evalCtx
	explain bool
	indexed bool // candidates come from the index
	disc    []int64
	stopped []bool
	stopper []*Rule // which rule stopped each item; kept only when explaining
	free    []bool
	lines   []lineRec // every line discount, in the order given; split per item at the end
	ship    int64
	whole   bool
	res     Result
}

func newApplier(s *Snapshot, ec *evalCtx, explain bool) *applier {
	n := len(ec.cart.Items)
	a := &applier{s: s, ec: ec, explain: explain, disc: make([]int64, n), stopped: make([]bool, n), free: make([]bool, n), lines: make([]lineRec, 0, 64)}
	if explain {
		a.stopper = make([]*Rule, n)
	}
	return a
}

type lineRec struct {
	item int
	line LineDiscount
}

// roundDiv is a/b rounded half up, for non-negative a and positive b.
func roundDiv(a, b int64) int64 { return (a + b/2) / b }

func (a *applier) skip(cr *compiled, why string) {
	if a.explain {
		a.res.NotApplied = append(a.res.NotApplied, Skipped{RuleID: cr.rule.ID, Name: cr.rule.Name, Reason: why})
	}
}

func (a *applier) consider(cr *compiled) {
	// A rule that can only discount items, none of whose categories are in the cart, gives
	// nothing whatever its conditions say: the indexed engine skips it before reading them.
	if a.indexed && cr.itemsOnly && !catsMayMatch(cr.needCats, a.ec) {
		return
	}
	ok, why := a.s.check(cr, a.ec, a.explain, a.indexed)
	if !ok {
		a.skip(cr, why)
		return
	}
	r := cr.rule
	items := a.ec.cart.Items
	var itemTotal, shipTotal int64
	matched := 0
	give := func(i int, d int64) { itemTotal += a.give(r.ID, i, d) }
	mayMatch := a.ec.sources != nil || cr.act.cartMayMatch(a.ec)
	if r.Action == CartFixed {
		var w int64
		var match []int
		for i := range items {
			if mayMatch && !a.stopped[i] && a.matches(cr, i) {
				match = append(match, i)
				w += items[i].RowTotal()
			}
		}
		matched = len(match)
		// No matching item, no discount: never the whole amount to shipping.
		shipW := int64(0)
		if r.ApplyToShipping && len(match) > 0 {
			shipW = a.ec.cart.Shipping - a.ship
		}
		room := shipW
		for _, i := range match {
			room += items[i].RowTotal() - a.disc[i]
		}
		if w > 0 && r.Amount > 0 && room > 0 {
			amount := min(r.Amount, room)
			// Shipping's share, as Magento 2.4.4+: amount × shipping ÷ (cart subtotal +
			// shipping), the subtotal being the whole cart's, before discounts.
			var shipShare int64
			if shipW > 0 {
				var subtotal int64
				for i := range items {
					subtotal += items[i].RowTotal()
				}
				shipShare = min(roundDiv(amount*shipW, subtotal+shipW), shipW)
			}
			// The rest goes to the matching items in proportion to their row totals, by
			// cumulative rounding, so the shares sum to exactly that; a line with less left
			// than its share passes the rest on.
			itemAmount := amount - shipShare
			var cum, prev, given int64
			for _, i := range match {
				cum += items[i].RowTotal()
				cur := roundDiv(itemAmount*cum, w)
				share := cur - prev
				prev = cur
				d := min(share, items[i].RowTotal()-a.disc[i])
				given += d
				give(i, d)
			}
			a.ship += shipShare
			shipTotal += shipShare
			given += shipShare
			for _, i := range match {
				if given >= amount {
					break
				}
				d := min(amount-given, items[i].RowTotal()-a.disc[i])
				given += d
				give(i, d)
			}
			if given < amount && shipW > 0 {
				d := min(amount-given, a.ec.cart.Shipping-a.ship)
				a.ship += d
				shipTotal += d
			}
		}
		for _, i := range match {
			a.markMatched(r, i)
		}
	} else {
		for i := range items {
			if !mayMatch || a.stopped[i] || !a.matches(cr, i) {
				continue
			}
			matched++
			give(i, a.itemDiscount(r, i))
			a.markMatched(r, i)
		}
		if r.Action == ByPercent && r.ApplyToShipping {
			if left := a.ec.cart.Shipping - a.ship; left > 0 {
				d := min(roundDiv(left*r.Amount, 10000), left)
				a.ship += d
				shipTotal += d
			}
		}
	}
	freeShip := r.FreeShipping == FreeShippingWhole || (r.FreeShipping == FreeShippingMatching && matched > 0)
	if r.FreeShipping == FreeShippingWhole {
		a.whole = true
	}
	if itemTotal+shipTotal == 0 && !freeShip {
		if matched == 0 {
			a.skip(cr, a.whyNoItem(cr, mayMatch))
		} else {
			a.skip(cr, "Gives no discount on this cart (for example, too few items for the quantity step)")
		}
		return
	}
	a.res.Applied = append(a.res.Applied, AppliedRule{RuleID: r.ID, Name: r.Name, Label: r.Label(a.ec.ctx.StoreViewID),
		Discount: itemTotal + shipTotal, ShippingDiscount: shipTotal, FreeShipping: freeShip})
	if r.CouponType != CouponNone && r.CouponType != "" && a.ec.coupon != "" {
		a.res.CouponApplied = true
	}
}

// matches decides a rule's action conditions for item i (read plainly by the reference).
func (a *applier) matches(cr *compiled, i int) bool {
	if a.ec.sources != nil {
		return interpretItems(a.ec.sources[cr.rule.ID].ActionConditions, &a.ec.cart.Items[i])
	}
	return cr.act.evalItem(a.ec, i)
}

// give records a discount of d on item i and returns what was given.
func (a *applier) give(ruleID int64, i int, d int64) int64 {
	if d <= 0 {
		return 0
	}
	a.disc[i] += d
	a.lines = append(a.lines, lineRec{item: i, line: LineDiscount{RuleID: ruleID, Amount: d}})
	return d
}

func (a *applier) markMatched(r *Rule, i int) {
	if r.FreeShipping == FreeShippingMatching {
		a.free[i] = true
	}
	if r.StopFurther {
		a.stopped[i] = true
		if a.stopper != nil {
			a.stopper[i] = r
		}
	}
}

// whyNoItem explains a rule that discounted no item: none matches its actions, or the
// items that do were claimed by an earlier rule that discards subsequent rules.
func (a *applier) whyNoItem(cr *compiled, mayMatch bool) string {
	if a.explain && mayMatch {
		for i := range a.ec.cart.Items {
			if a.stopped[i] && a.stopper[i] != nil && a.matches(cr, i) {
				return "The items it would discount are taken by “" + a.stopper[i].Name + "”, which discards subsequent rules"
			}
		}
	}
	return "No item in the cart matches the rule's actions"
}

// itemDiscount is what one rule takes off one item, never more than is left of its row.
func (a *applier) itemDiscount(r *Rule, i int) int64 {
	it := &a.ec.cart.Items[i]
	left := it.RowTotal() - a.disc[i]
	if left <= 0 {
		return 0
	}
	qty := it.Qty
	if r.MaxQty > 0 && qty > r.MaxQty {
		qty = r.MaxQty
	}
	var d int64
	switch r.Action {
	case ByPercent:
		if r.Step > 0 {
			qty = qty / r.Step * r.Step
		}
		// Magento's base: the discounted units at full price, less what earlier rules
		// took from the line; so percent rules compound.
		base := it.Price*int64(qty) - a.disc[i]
		if qty == 0 || base <= 0 {
			return 0
		}
		d = roundDiv(base*r.Amount, 10000)
	case ByFixed:
		if r.Step > 0 {
			qty = qty / r.Step * r.Step
		}
		d = int64(qty) * r.Amount
	case BuyXGetY:
		x, y := r.Step, int(r.Amount)
		if x < 1 || y < 1 {
			return 0
		}
		period := x + y
		free := qty/period*y + max(0, qty%period-x)
		d = int64(free) * it.Price
	}
	return min(d, left)
}

func (a *applier) finish() *Result {
	res := &a.res
	cart := a.ec.cart
	res.Items = make([]ItemResult, len(cart.Items))
	// One backing array for every item's lines, in the order they were given.
	counts := make([]int, len(cart.Items)+1)
	for _, l := range a.lines {
		counts[l.item+1]++
	}
	for i := 1; i < len(counts); i++ {
		counts[i] += counts[i-1]
	}
	all := make([]LineDiscount, len(a.lines))
	fill := slices.Clone(counts[:len(cart.Items)])
	for _, l := range a.lines {
		all[fill[l.item]] = l.line
		fill[l.item]++
	}
	allFree := len(cart.Items) > 0
	for i := range cart.Items {
		it := &cart.Items[i]
		var lines []LineDiscount
		if counts[i+1] > counts[i] {
			lines = all[counts[i]:counts[i+1]:counts[i+1]]
		}
		res.Items[i] = ItemResult{ItemID: it.ID, Discount: a.disc[i], FreeShipping: a.free[i], Lines: lines}
		res.Subtotal += it.RowTotal()
		res.ItemsDiscount += a.disc[i]
		allFree = allFree && a.free[i]
	}
	res.Shipping = cart.Shipping
	res.FreeShipping = a.whole || allFree
	res.ShippingDiscount = a.ship
	if res.FreeShipping && cart.Shipping > a.ship {
		rest := cart.Shipping - a.ship
		res.ShippingDiscount = cart.Shipping
		for k := range res.Applied {
			if res.Applied[k].FreeShipping {
				res.Applied[k].ShippingDiscount += rest
				res.Applied[k].Discount += rest
				break
			}
		}
	}
	return res
}

// CouponKnown reports whether code is a coupon of some rule in the snapshot, so the
// storefront can tell "unknown code" from "code that does not apply to this cart".
func (s *Snapshot) CouponKnown(code string) bool {
	code = strings.ToLower(strings.TrimSpace(code))
	if _, ok := s.coupons[code]; ok {
		return true
	}
	for _, cr := range s.rules {
		if cr.rule.CouponType == CouponSpecific && strings.ToLower(cr.rule.CouponCode) == code {
			return true
		}
	}
	return false
}
