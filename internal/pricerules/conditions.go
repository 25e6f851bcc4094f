package pricerules

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// valueType is the type of an attribute's values, which decides its operators.
type valueType int

const (
	typeMoney valueType = iota
	typeNumber
	typeString
	typeList // category ids: the item's set against the condition's values
	typeAudience
)

// CartAttributes name the cart attributes for people, in the editor's order.
var CartAttributes = []struct{ Code, Label string }{
	{AttrSubtotal, "Subtotal"}, {AttrTotalQty, "Total items quantity"}, {AttrWeight, "Total weight"},
	{AttrShippingMethod, "Shipping method"}, {AttrPostcode, "Shipping postcode"}, {AttrRegion, "Shipping state/province"},
	{AttrCountry, "Shipping country"}, {AttrPaymentMethod, "Payment method"},
}

// ProductAttributes name the product attributes for people.
var ProductAttributes = []struct{ Code, Label string }{
	{AttrSKU, "SKU"}, {AttrCategories, "Category"}, {AttrPrice, "Price in cart"}, {AttrQty, "Quantity in cart"},
	{AttrRowTotal, "Row total in cart"},
}

func attrType(kind, attr string) (valueType, bool) {
	switch kind {
	case KindCart:
		switch attr {
		case AttrSubtotal:
			return typeMoney, true
		case AttrTotalQty, AttrWeight:
			return typeNumber, true
		case AttrShippingMethod, AttrPostcode, AttrRegion, AttrCountry, AttrPaymentMethod:
			return typeString, true
		}
	case KindProduct:
		switch {
		case attr == AttrSKU:
			return typeString, true
		case attr == AttrCategories:
			return typeList, true
		case attr == AttrPrice || attr == AttrRowTotal:
			return typeMoney, true
		case attr == AttrQty:
			return typeNumber, true
		case strings.HasPrefix(attr, AttrPrefix) && len(attr) > len(AttrPrefix):
			return typeString, true
		}
	case KindSubselect:
		switch attr {
		case AttrQty:
			return typeNumber, true
		case AttrRowTotal:
			return typeMoney, true
		}
	case KindAudience:
		return typeAudience, true
	}
	return 0, false
}

// Operators lists the operators offered for a value type, as Magento offers them.
func operatorsFor(t valueType) []string {
	switch t {
	case typeMoney, typeNumber:
		return []string{OpIs, OpIsNot, OpGTE, OpLTE, OpGT, OpLT, OpOneOf, OpNotOneOf}
	case typeString:
		return []string{OpIs, OpIsNot, OpContains, OpNotContains, OpOneOf, OpNotOneOf}
	case typeList:
		return []string{OpIs, OpIsNot, OpOneOf, OpNotOneOf}
	case typeAudience:
		return []string{OpOneOf, OpNotOneOf}
	}
	return nil
}

// OperatorsFor lists the operators offered for an attribute of a condition kind.
func OperatorsFor(kind, attr string) []string {
	t, ok := attrType(kind, attr)
	if !ok {
		return nil
	}
	return operatorsFor(t)
}

// OperatorLabels name the operators for people.
var OperatorLabels = map[string]string{
	OpIs: "is", OpIsNot: "is not", OpGTE: "equals or greater than", OpLTE: "equals or less than",
	OpGT: "greater than", OpLT: "less than", OpContains: "contains", OpNotContains: "does not contain",
	OpOneOf: "is one of", OpNotOneOf: "is not one of",
}

// node is a compiled cart-level condition.
type node interface {
	eval(ec *evalCtx) bool
	// why describes the first leaf that made eval false.
	why(ec *evalCtx) string
}

// itemNode is a compiled product condition, evaluated on item i of the cart.
type itemNode interface {
	evalItem(ec *evalCtx, i int) bool
}

// ErrInvalidCondition wraps every problem found compiling a tree.
var ErrInvalidCondition = errors.New("invalid condition")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidCondition, fmt.Sprintf(format, a...))
}

const maxDepth = 10

// compileCart compiles a cart conditions tree. An empty combine is always true.
func compileCart(a *arena, c Condition, depth int) (node, error) {
	if depth > maxDepth {
		return nil, invalid("conditions nest deeper than %d levels", maxDepth)
	}
	switch c.Kind {
	case KindCombine, "":
		n := a.combines.New()
		*n = combineNode{any: c.Aggregator == "any", expect: c.Expect || c.Kind == "", children: a.nodes.Make(len(c.Conditions))[:0]}
		if c.Aggregator != "all" && c.Aggregator != "any" && c.Aggregator != "" {
			return nil, invalid("aggregator %q: use all or any", c.Aggregator)
		}
		for _, ch := range c.Conditions {
			cn, err := compileCart(a, ch, depth+1)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, cn)
		}
		return n, nil
	case KindCart:
		n := a.carts.New()
		cmp, err := compileCompare(a, KindCart, c)
		if err != nil {
			return nil, err
		}
		*n = cartNode{attr: a.str(c.Attribute), cmp: cmp, text: a.str(Describe(c))}
		return n, nil
	case KindAudience:
		if c.Operator != OpOneOf && c.Operator != OpNotOneOf {
			return nil, invalid("Real-Time CDP Audience takes is one of or is not one of")
		}
		if len(c.Values) > MaxValues {
			return nil, invalid("a condition may name at most %d audiences", MaxValues)
		}
		n := a.audiences.New()
		*n = audienceNode{negate: c.Operator == OpNotOneOf, text: a.str(Describe(c)), ids: a.ints.Make(len(c.Values))[:0]}
		for _, v := range c.Values {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil || id <= 0 {
				return nil, invalid("audience %q is not an audience id", v)
			}
			n.ids = append(n.ids, id)
		}
		if len(n.ids) == 0 {
			return nil, invalid("choose at least one audience")
		}
		return n, nil
	case KindFound:
		items, err := compileItems(a, c, depth+1)
		if err != nil {
			return nil, err
		}
		n := a.founds.New()
		*n = foundNode{items: items, found: c.Expect, text: a.str(Describe(c))}
		return n, nil
	case KindSubselect:
		items, err := compileItems(a, c, depth+1)
		if err != nil {
			return nil, err
		}
		cmp, err := compileCompare(a, KindSubselect, c)
		if err != nil {
			return nil, err
		}
		n := a.subselects.New()
		*n = subselectNode{items: items, amount: c.Attribute == AttrRowTotal, cmp: cmp, text: a.str(Describe(c))}
		return n, nil
	}
	return nil, invalid("unknown condition type %q", c.Kind)
}

// compileItems compiles the product conditions under a found/subselect/actions combine.
func compileItems(a *arena, c Condition, depth int) (*itemCombine, error) {
	if depth > maxDepth {
		return nil, invalid("conditions nest deeper than %d levels", maxDepth)
	}
	if c.Aggregator != "all" && c.Aggregator != "any" && c.Aggregator != "" {
		return nil, invalid("aggregator %q: use all or any", c.Aggregator)
	}
	n := a.items.New()
	*n = itemCombine{any: c.Aggregator == "any", expect: true, children: a.itemNodes.Make(len(c.Conditions))[:0]}
	if c.Kind == KindCombine {
		n.expect = c.Expect
	}
	for _, ch := range c.Conditions {
		switch ch.Kind {
		case KindProduct:
			p := a.products.New()
			cmp, err := compileCompare(a, KindProduct, ch)
			if err != nil {
				return nil, err
			}
			*p = productNode{attr: a.str(ch.Attribute), cmp: cmp}
			n.children = append(n.children, p)
		case KindCombine:
			sub, err := compileItems(a, ch, depth+1)
			if err != nil {
				return nil, err
			}
			n.children = append(n.children, sub)
		default:
			return nil, invalid("%q conditions cannot stand among product conditions", ch.Kind)
		}
	}
	if len(n.children) == 1 && n.expect {
		n.single = n.children[0]
	}
	if !n.any && n.expect {
		for _, ch := range n.children {
			if p, ok := ch.(*productNode); ok && p.attr == AttrCategories && (p.cmp.op == OpIs || p.cmp.op == OpOneOf) {
				n.needCats = p.cmp.ids
				break
			}
		}
	}
	return n, nil
}

// compare is a compiled operator and value.
type compare struct {
	op   string
	typ  valueType
	num  float64   // money in minor units, numbers as they are
	str  string    // lowercased
	nums []float64 // one-of numbers, sorted
	strs []string  // one-of strings, lowercased and sorted
	ids  []int64   // categories, sorted
}

// MoneyPrecision is the number of decimals of money values typed in conditions.
const MoneyPrecision = 2

func parseNumber(t valueType, v string) (float64, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, invalid("%q is not a number", v)
	}
	if t == typeMoney {
		return math.Round(f * math.Pow10(MoneyPrecision)), nil
	}
	return f, nil
}

func compileCompare(a *arena, kind string, c Condition) (compare, error) {
	t, ok := attrType(kind, c.Attribute)
	if !ok {
		return compare{}, invalid("unknown attribute %q", c.Attribute)
	}
	allowed := false
	for _, op := range operatorsFor(t) {
		if op == c.Operator {
			allowed = true
		}
	}
	if !allowed {
		return compare{}, invalid("operator %q does not apply to %s", c.Operator, c.Attribute)
	}
	cmp := compare{op: a.str(c.Operator), typ: t}
	values := c.Values
	if len(values) > MaxValues {
		return compare{}, invalid("a condition may list at most %d values", MaxValues)
	}
	if len(values) == 0 && c.Value != "" {
		values = splitList(c.Value)
	}
	switch {
	case t == typeList:
		for _, v := range values {
			id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return compare{}, invalid("%q is not a category id", v)
			}
			cmp.ids = append(cmp.ids, id)
		}
		if len(cmp.ids) == 0 {
			return compare{}, invalid("enter at least one category id")
		}
		slices.Sort(cmp.ids)
		cmp.ids = a.ints.Clone(slices.Compact(cmp.ids))
	case c.Operator == OpOneOf || c.Operator == OpNotOneOf:
		if len(values) == 0 {
			return compare{}, invalid("enter at least one value")
		}
		if t == typeMoney || t == typeNumber {
			nums := make([]float64, 0, len(values))
			for _, v := range values {
				f, err := parseNumber(t, v)
				if err != nil {
					return compare{}, err
				}
				nums = append(nums, f)
			}
			slices.Sort(nums)
			cmp.nums = a.floats.Clone(slices.Compact(nums))
		} else {
			strs := make([]string, 0, len(values))
			for _, v := range values {
				strs = append(strs, strings.ToLower(strings.TrimSpace(v)))
			}
			slices.Sort(strs)
			cmp.strs = a.strings(slices.Compact(strs))
		}
	case t == typeMoney || t == typeNumber:
		f, err := parseNumber(t, c.Value)
		if err != nil {
			return compare{}, err
		}
		cmp.num = f
	default:
		cmp.str = a.str(strings.ToLower(strings.TrimSpace(c.Value)))
	}
	return cmp, nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (c *compare) number(v float64) bool {
	switch c.op {
	case OpIs:
		return v == c.num
	case OpIsNot:
		return v != c.num
	case OpGTE:
		return v >= c.num
	case OpLTE:
		return v <= c.num
	case OpGT:
		return v > c.num
	case OpLT:
		return v < c.num
	case OpOneOf:
		_, ok := slices.BinarySearch(c.nums, v)
		return ok
	case OpNotOneOf:
		_, ok := slices.BinarySearch(c.nums, v)
		return !ok
	}
	return false
}

func (c *compare) text(v string) bool { return c.lowered(strings.ToLower(v)) }

// lowered compares an already lowercased value.
func (c *compare) lowered(v string) bool {
	switch c.op {
	case OpIs:
		return v == c.str
	case OpIsNot:
		return v != c.str
	case OpContains:
		return strings.Contains(v, c.str)
	case OpNotContains:
		return !strings.Contains(v, c.str)
	case OpOneOf:
		_, ok := slices.BinarySearch(c.strs, v)
		return ok
	case OpNotOneOf:
		_, ok := slices.BinarySearch(c.strs, v)
		return !ok
	}
	return false
}

func (c *compare) list(ids []int64) bool {
	hit := false
	for _, id := range ids {
		if _, ok := slices.BinarySearch(c.ids, id); ok {
			hit = true
			break
		}
	}
	if c.op == OpIsNot || c.op == OpNotOneOf {
		return !hit
	}
	return hit
}

type combineNode struct {
	any, expect bool
	children    []node
}

func (n *combineNode) eval(ec *evalCtx) bool {
	if len(n.children) == 0 {
		return true
	}
	for _, ch := range n.children {
		v := ch.eval(ec) == n.expect
		if n.any && v {
			return true
		}
		if !n.any && !v {
			return false
		}
	}
	return !n.any
}

func (n *combineNode) why(ec *evalCtx) string {
	for _, ch := range n.children {
		v := ch.eval(ec)
		if !n.any && v != n.expect {
			if n.expect {
				return ch.why(ec)
			}
			return "Condition is true but must be false"
		}
	}
	if n.any {
		return "None of the ANY conditions holds"
	}
	return "Conditions do not hold"
}

type cartNode struct {
	attr string
	cmp  compare
	text string
}

func (n *cartNode) eval(ec *evalCtx) bool {
	switch n.attr {
	case AttrSubtotal:
		return n.cmp.number(float64(ec.subtotal))
	case AttrTotalQty:
		return n.cmp.number(float64(ec.qty))
	case AttrWeight:
		return n.cmp.number(ec.weight)
	case AttrShippingMethod:
		return n.cmp.text(ec.cart.ShippingMethod)
	case AttrPostcode:
		return n.cmp.text(ec.cart.Postcode)
	case AttrRegion:
		return n.cmp.text(ec.cart.Region)
	case AttrCountry:
		return n.cmp.text(ec.cart.Country)
	case AttrPaymentMethod:
		return n.cmp.text(ec.cart.PaymentMethod)
	}
	return false
}

func (n *cartNode) why(*evalCtx) string { return "Not met: " + n.text }

type audienceNode struct {
	ids    []int64
	negate bool
	text   string
}

func (n *audienceNode) eval(ec *evalCtx) bool {
	hit := false
	for _, id := range n.ids {
		if ec.inAudience(id) {
			hit = true
			break
		}
	}
	return hit != n.negate
}

func (n *audienceNode) why(*evalCtx) string {
	if n.negate {
		return "The shopper is in an excluded audience: " + n.text
	}
	return "The shopper is in none of the audiences: " + n.text
}

type foundNode struct {
	items *itemCombine
	found bool
	text  string
}

func (n *foundNode) eval(ec *evalCtx) bool {
	hit := false
	if !n.items.cartMayMatch(ec) {
		return !n.found
	}
	if p, ok := n.items.single.(*productNode); ok && p.attr == AttrSKU && p.cmp.op == OpIs {
		_, hit = slices.BinarySearch(ec.skuSet, p.cmp.str)
		return hit == n.found
	}
	for i := range ec.cart.Items {
		if n.items.evalItem(ec, i) {
			hit = true
			break
		}
	}
	return hit == n.found
}

func (n *foundNode) why(*evalCtx) string { return "Not met: " + n.text }

type subselectNode struct {
	items  *itemCombine
	amount bool
	cmp    compare
	text   string
}

func (n *subselectNode) eval(ec *evalCtx) bool {
	var total float64
	for i := range ec.cart.Items {
		it := &ec.cart.Items[i]
		if n.items.evalItem(ec, i) {
			if n.amount {
				total += float64(it.RowTotal())
			} else {
				total += float64(it.Qty)
			}
		}
	}
	return n.cmp.number(total)
}

func (n *subselectNode) why(*evalCtx) string { return "Not met: " + n.text }

type itemCombine struct {
	any, expect bool
	children    []itemNode
	single      itemNode // a lone child whose result is the combine's: evaluated directly
	// needCats, when set, are categories one of which every matching item has: a cart
	// with none of them matches no item, which is decided without looking at items.
	needCats []int64
}

// cartMayMatch is the quick cart-level test of needCats.
func (n *itemCombine) cartMayMatch(ec *evalCtx) bool { return catsMayMatch(n.needCats, ec) }

// catsMayMatch reports whether the cart has one of need (nil: anything matches).
func catsMayMatch(need []int64, ec *evalCtx) bool {
	if need == nil {
		return true
	}
	for _, c := range need {
		if _, ok := slices.BinarySearch(ec.cats, c); ok {
			return true
		}
	}
	return false
}

func (n *itemCombine) evalItem(ec *evalCtx, i int) bool {
	if n.single != nil {
		return n.single.evalItem(ec, i)
	}
	if len(n.children) == 0 {
		return true
	}
	for _, ch := range n.children {
		v := ch.evalItem(ec, i) == n.expect
		if n.any && v {
			return true
		}
		if !n.any && !v {
			return false
		}
	}
	return !n.any
}

type productNode struct {
	attr string
	cmp  compare
}

func (n *productNode) evalItem(ec *evalCtx, i int) bool {
	it := &ec.cart.Items[i]
	switch n.attr {
	case AttrSKU:
		return n.cmp.lowered(ec.skus[i])
	case AttrCategories:
		return n.cmp.list(it.CategoryIDs)
	case AttrPrice:
		return n.cmp.number(float64(it.Price))
	case AttrQty:
		return n.cmp.number(float64(it.Qty))
	case AttrRowTotal:
		return n.cmp.number(float64(it.RowTotal()))
	}
	return n.cmp.text(it.Attributes[strings.TrimPrefix(n.attr, AttrPrefix)])
}

// ValidateConditions reports the first problem of a cart conditions tree (isActions:
// an actions tree of product conditions), or nil.
func ValidateConditions(c Condition, isActions bool) error {
	if isActions {
		_, err := compileItems(new(arena), c, 0)
		return err
	}
	_, err := compileCart(new(arena), c, 0)
	return err
}

// attrLabel names an attribute for people.
func attrLabel(kind, attr string) string {
	list := CartAttributes
	if kind == KindProduct {
		list = ProductAttributes
	}
	for _, a := range list {
		if a.Code == attr {
			return a.Label
		}
	}
	if strings.HasPrefix(attr, AttrPrefix) {
		return "Attribute " + strings.TrimPrefix(attr, AttrPrefix)
	}
	return attr
}

func valueText(c Condition) string {
	if len(c.Values) > 0 {
		return strings.Join(c.Values, ", ")
	}
	return c.Value
}

// AudienceNamer names audience ids for Describe; nil shows the ids.
type AudienceNamer func(id string) string

// Describe is a readable sentence of a condition tree, such as "If ALL of these conditions
// are TRUE: Subtotal equals or greater than 100; Real-Time CDP Audience is one of 3, 7".
func Describe(c Condition) string { return DescribeWith(c, nil) }

// DescribeWith is Describe with audience names.
func DescribeWith(c Condition, names AudienceNamer) string {
	switch c.Kind {
	case KindCombine, "":
		agg := "ALL"
		if c.Aggregator == "any" {
			agg = "ANY"
		}
		truth := "TRUE"
		if !c.Expect && c.Kind != "" {
			truth = "FALSE"
		}
		if len(c.Conditions) == 0 {
			return "always"
		}
		parts := make([]string, len(c.Conditions))
		for i, ch := range c.Conditions {
			parts[i] = DescribeWith(ch, names)
		}
		return fmt.Sprintf("If %s of these conditions are %s: (%s)", agg, truth, strings.Join(parts, "; "))
	case KindCart, KindProduct:
		return fmt.Sprintf("%s %s %s", attrLabel(c.Kind, c.Attribute), OperatorLabels[c.Operator], valueText(c))
	case KindAudience:
		vals := c.Values
		if names != nil {
			vals = make([]string, len(c.Values))
			for i, v := range c.Values {
				vals[i] = names(v)
			}
		}
		return fmt.Sprintf("Real-Time CDP Audience %s %s", OperatorLabels[c.Operator], strings.Join(vals, ", "))
	case KindFound:
		what := "FOUND"
		if !c.Expect {
			what = "NOT FOUND"
		}
		return fmt.Sprintf("If an item is %s in the cart with %s of these conditions true: (%s)", what, strings.ToUpper(orAll(c.Aggregator)), describeChildren(c, names))
	case KindSubselect:
		what := "total quantity"
		if c.Attribute == AttrRowTotal {
			what = "total amount"
		}
		return fmt.Sprintf("If %s %s %s for a subselection of items in cart matching %s of these conditions: (%s)",
			what, OperatorLabels[c.Operator], valueText(c), strings.ToUpper(orAll(c.Aggregator)), describeChildren(c, names))
	}
	return c.Kind
}

func orAll(a string) string {
	if a == "" {
		return "all"
	}
	return a
}

func describeChildren(c Condition, names AudienceNamer) string {
	parts := make([]string, len(c.Conditions))
	for i, ch := range c.Conditions {
		parts[i] = DescribeWith(ch, names)
	}
	return strings.Join(parts, "; ")
}
