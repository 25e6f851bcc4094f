package pricerules

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// compiled is a rule ready for evaluation.
type compiled struct {
	rule     *Rule
	cond     node
	act      *itemCombine
	websites []int64
	groups   []int64
	from, to int     // yyyymmdd; 0 open
	gating   []int64 // the audiences one of which the shopper must be in (nil: not gated)
	// Hot fields copied from rule, so the checks read one small struct.
	active          bool
	couponType      CouponType
	usesPerCustomer int
	// itemsOnly: the rule gives nothing but item discounts (no shipping), so a cart with
	// none of needCats (act's; nil: any) gets nothing from it. Copied here so the index's
	// quickest test reads no other memory.
	itemsOnly bool
	needCats  []int64
}

// Snapshot is an immutable, compiled and indexed set of rules. Build one with NewSnapshot
// and share it between goroutines; replace it when rules change.
type Snapshot struct {
	rules   []*compiled // by priority, then id
	coupons map[string]*Coupon
	scopes  map[scopeKey]*scopeIndex
	memo    memo // see EvaluateRemembered
}

type scopeKey struct{ website, group int64 }

// scopeIndex lists, for one website and customer group, the active rules that can apply:
// positions in Snapshot.rules, ascending (so in evaluation order).
type scopeIndex struct {
	always     []int32
	byAudience map[int64][]int32
	byCoupon   map[string][]int32
}

// NewSnapshot compiles and indexes rules and their coupons. A rule whose conditions do not
// compile is an error: the store validates rules before saving them.
func NewSnapshot(rules []Rule, coupons []Coupon) (*Snapshot, error) {
	s := &Snapshot{coupons: make(map[string]*Coupon, len(coupons)), scopes: map[scopeKey]*scopeIndex{}, memo: newMemo()}
	a := new(arena)
	for i := range coupons {
		c := a.coupons.New()
		*c = coupons[i]
		c.Code = a.str(c.Code)
		s.coupons[a.str(strings.ToLower(c.Code))] = c
	}
	s.rules = make([]*compiled, 0, len(rules))
	for i := range rules {
		r := &rules[i]
		cr, err := compileRule(a, r)
		if err != nil {
			return nil, fmt.Errorf("rule %d %q: %w", r.ID, r.Name, err)
		}
		s.rules = append(s.rules, cr)
	}
	sort.SliceStable(s.rules, func(i, j int) bool {
		a, b := s.rules[i].rule, s.rules[j].rule
		if a.Priority != b.Priority {
			return a.Priority < b.Priority
		}
		return a.ID < b.ID
	})
	autoCodes := map[int64][]string{}
	for code, c := range s.coupons {
		autoCodes[c.RuleID] = append(autoCodes[c.RuleID], code)
	}
	for pos, cr := range s.rules {
		if !cr.rule.Active {
			continue
		}
		for _, w := range cr.websites {
			for _, g := range cr.groups {
				k := scopeKey{w, g}
				idx := s.scopes[k]
				if idx == nil {
					idx = &scopeIndex{byAudience: map[int64][]int32{}, byCoupon: map[string][]int32{}}
					s.scopes[k] = idx
				}
				p := int32(pos)
				switch {
				case cr.rule.CouponType == CouponSpecific:
					code := a.str(strings.ToLower(cr.rule.CouponCode))
					idx.byCoupon[code] = append(idx.byCoupon[code], p)
				case cr.rule.CouponType == CouponAuto:
					for _, code := range autoCodes[cr.rule.ID] {
						idx.byCoupon[code] = append(idx.byCoupon[code], p)
					}
				case cr.gating != nil:
					for _, id := range cr.gating {
						idx.byAudience[id] = append(idx.byAudience[id], p)
					}
				default:
					idx.always = append(idx.always, p)
				}
			}
		}
	}
	// The lists were built by appending; their final copies go into the arena.
	for _, idx := range s.scopes {
		idx.always = a.int32s.Clone(idx.always)
		for id, ps := range idx.byAudience {
			idx.byAudience[id] = a.int32s.Clone(ps)
		}
		for code, ps := range idx.byCoupon {
			idx.byCoupon[code] = a.int32s.Clone(ps)
		}
	}
	return s, nil
}

// Len is the number of rules in the snapshot.
func (s *Snapshot) Len() int { return len(s.rules) }

// Rules returns the rules of the snapshot in evaluation order, with their settings but not
// their conditions trees, which the snapshot keeps only compiled (see arena).
func (s *Snapshot) Rules() []*Rule {
	out := make([]*Rule, len(s.rules))
	for i, cr := range s.rules {
		out[i] = cr.rule
	}
	return out
}

func parseDay(d string) (int, error) {
	if d == "" {
		return 0, nil
	}
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		return 0, fmt.Errorf("date %q: use YYYY-MM-DD", d)
	}
	return t.Year()*10000 + int(t.Month())*100 + t.Day(), nil
}

// compileRule compiles r's conditions and copies its settings into a.
func compileRule(a *arena, r *Rule) (*compiled, error) {
	cond, err := compileCart(a, r.Conditions, 0)
	if err != nil {
		return nil, err
	}
	act, err := compileItems(a, r.ActionConditions, 0)
	if err != nil {
		return nil, err
	}
	gating := gatingAudiences(r.Conditions)
	r = a.rule(r)
	cr := a.compiled.New()
	*cr = compiled{rule: r, cond: cond, act: act}
	cr.websites = a.ints.Clone(slices.Compact(slices.Sorted(slices.Values(r.WebsiteIDs))))
	cr.groups = a.ints.Clone(slices.Compact(slices.Sorted(slices.Values(r.CustomerGroupIDs))))
	if cr.from, err = parseDay(r.FromDate); err != nil {
		return nil, err
	}
	if cr.to, err = parseDay(r.ToDate); err != nil {
		return nil, err
	}
	cr.gating = a.ints.Clone(gating)
	cr.active, cr.couponType, cr.usesPerCustomer = r.Active, r.CouponType, r.UsesPerCustomer
	cr.itemsOnly, cr.needCats = !r.ApplyToShipping && r.FreeShipping != FreeShippingWhole, act.needCats
	return cr, nil
}

// gatingAudiences finds the audiences a rule requires: when the top level is "ALL … TRUE"
// and has an "audience is one of" child, the shopper must be in one of its audiences for
// the rule to apply at all, so the index files the rule under them. Anything else (ANY,
// "is not one of", nested) is not gated and the rule is always evaluated.
func gatingAudiences(c Condition) []int64 {
	if (c.Kind != KindCombine && c.Kind != "") || c.Aggregator == "any" || (c.Kind == KindCombine && !c.Expect) {
		return nil
	}
	for _, ch := range c.Conditions {
		if ch.Kind == KindAudience && ch.Operator == OpOneOf {
			var ids []int64
			for _, v := range ch.Values {
				if id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
					ids = append(ids, id)
				}
			}
			slices.Sort(ids)
			return slices.Compact(ids)
		}
	}
	return nil
}

// evalCtx is one evaluation's cart facts, computed once.
type evalCtx struct {
	cart      *Cart
	ctx       *Shopper
	subtotal  int64
	qty       int
	weight    float64
	audiences []int64 // sorted
	today     int
	coupon    string // lowercased
	// sources, for the reference evaluator, are the rules by id, whose trees it reads
	// instead of the compiled conditions and shortcuts; nil for the engine.
	sources map[int64]*Rule
	skus    []string // the items' SKUs, lowercased once
	skuSet  []string // the same, sorted
	cats    []int64  // the categories of the cart's items, sorted
}

func (ec *evalCtx) inAudience(id int64) bool {
	_, ok := slices.BinarySearch(ec.audiences, id)
	return ok
}

func newEvalCtx(cart *Cart, ctx *Shopper) *evalCtx {
	ec := &evalCtx{cart: cart, ctx: ctx, coupon: strings.ToLower(strings.TrimSpace(ctx.Coupon))}
	ec.skus = make([]string, len(cart.Items))
	for i := range cart.Items {
		it := &cart.Items[i]
		ec.skus[i] = strings.ToLower(it.SKU)
		ec.subtotal += it.RowTotal()
		ec.qty += it.Qty
		ec.weight += it.Weight * float64(it.Qty)
	}
	ec.skuSet = slices.Clone(ec.skus)
	slices.Sort(ec.skuSet)
	for i := range cart.Items {
		ec.cats = append(ec.cats, cart.Items[i].CategoryIDs...)
	}
	slices.Sort(ec.cats)
	ec.cats = slices.Compact(ec.cats)
	ec.audiences = slices.Clone(ctx.Audiences)
	slices.Sort(ec.audiences)
	loc := ctx.Location
	if loc == nil {
		loc = time.UTC
	}
	now := ctx.Now.In(loc)
	ec.today = now.Year()*10000 + int(now.Month())*100 + now.Day()
	return ec
}

func contains64(sorted []int64, v int64) bool {
	_, ok := slices.BinarySearch(sorted, v)
	return ok
}

func dayText(d int) string { return fmt.Sprintf("%04d-%02d-%02d", d/10000, d/100%100, d%100) }

// check decides whether a rule applies at cart level; when it does not, and explain is
// set, it says why (the first failing check). Candidates from the index (indexed) are
// known to be active and for the website and customer group.
func (s *Snapshot) check(cr *compiled, ec *evalCtx, explain, indexed bool) (bool, string) {
	ctx := ec.ctx
	if !indexed {
		switch {
		case !cr.active:
			return false, "The rule is inactive"
		case !contains64(cr.websites, ctx.WebsiteID):
			return false, "Not for this website"
		case !contains64(cr.groups, ctx.CustomerGroupID):
			return false, "Not for this customer group"
		}
	}
	switch {
	case cr.from != 0 && ec.today < cr.from:
		return false, "Starts on " + dayText(cr.from)
	case cr.to != 0 && ec.today > cr.to:
		return false, "Ended on " + dayText(cr.to)
	}
	switch cr.couponType {
	case CouponSpecific, CouponAuto:
		r := cr.rule
		if ec.coupon == "" {
			return false, "Needs a coupon code"
		}
		c := s.coupons[ec.coupon]
		if r.CouponType == CouponSpecific {
			if ec.coupon != strings.ToLower(r.CouponCode) {
				return false, "Needs a different coupon code"
			}
			if c == nil {
				c = &Coupon{Code: r.CouponCode, RuleID: r.ID, UsageLimit: r.UsesPerCoupon, UsagePerCustomer: r.UsesPerCustomer}
			}
		} else if c == nil || c.RuleID != r.ID {
			return false, "Needs one of the rule's generated coupon codes"
		}
		if c.UsageLimit > 0 && c.TimesUsed >= c.UsageLimit {
			return false, "The coupon has been used the maximum number of times"
		}
		if ctx.CustomerID != 0 && c.UsagePerCustomer > 0 && ctx.CustomerCouponUses[ec.coupon] >= c.UsagePerCustomer {
			return false, "The customer has used this coupon the maximum number of times"
		}
	}
	if ctx.CustomerID != 0 && cr.usesPerCustomer > 0 && ctx.CustomerRuleUses[cr.rule.ID] >= cr.usesPerCustomer {
		return false, "The customer has used this rule the maximum number of times"
	}
	if ec.sources != nil {
		if !interpretCart(ec.sources[cr.rule.ID].Conditions, ec) {
			return false, cr.cond.why(ec) // the same words as the engine's
		}
		return true, ""
	}
	if !cr.cond.eval(ec) {
		if explain {
			return false, cr.cond.why(ec)
		}
		return false, ""
	}
	return true, ""
}

// Evaluate applies the snapshot's rules to a cart. Without Shopper.Explain it evaluates
// only the rules the index says can apply: those for the website and customer group that
// are not gated by an audience, those gated by one of the shopper's audiences, and those
// of the coupon.
func (s *Snapshot) Evaluate(cart *Cart, ctx *Shopper) *Result {
	ec := newEvalCtx(cart, ctx)
	if ctx.Explain {
		return s.evaluateAll(ec) // every rule, to say why each did not apply
	}
	ap := newApplier(s, ec, false)
	ap.indexed = true
	idx := s.scopes[scopeKey{ctx.WebsiteID, ctx.CustomerGroupID}]
	if idx != nil {
		var extra []int32
		for _, a := range ec.audiences {
			extra = append(extra, idx.byAudience[a]...)
		}
		if ec.coupon != "" {
			extra = append(extra, idx.byCoupon[ec.coupon]...)
		}
		slices.Sort(extra)
		extra = slices.Compact(extra)
		// Merge the two ascending lists, so rules run in priority order.
		i, j := 0, 0
		for i < len(idx.always) || j < len(extra) {
			var p int32
			switch {
			case j >= len(extra) || (i < len(idx.always) && idx.always[i] < extra[j]):
				p = idx.always[i]
				i++
			case i >= len(idx.always) || extra[j] < idx.always[i]:
				p = extra[j]
				j++
			default:
				p = idx.always[i]
				i++
				j++
			}
			ap.consider(s.rules[p])
		}
	}
	return ap.finish()
}

// evaluateReference applies every rule in order with no index, reading the conditions
// trees of sources (the rules the snapshot was built from, by id; see byID): the plain
// evaluator that tests hold the indexed one equal to.
func (s *Snapshot) evaluateReference(sources map[int64]*Rule, cart *Cart, ctx *Shopper) *Result {
	ec := newEvalCtx(cart, ctx)
	ec.sources = sources
	return s.evaluateAll(ec)
}

// byID indexes rules by id.
func byID(rules []Rule) map[int64]*Rule {
	out := make(map[int64]*Rule, len(rules))
	for i := range rules {
		out[rules[i].ID] = &rules[i]
	}
	return out
}

// evaluateAll applies every rule in order, with no index.
func (s *Snapshot) evaluateAll(ec *evalCtx) *Result {
	ap := newApplier(s, ec, ec.ctx.Explain)
	for _, cr := range s.rules {
		ap.consider(cr)
	}
	return ap.finish()
}
