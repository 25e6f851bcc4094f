package pricerules

import (
	"math"
	"strconv"
	"strings"
)

// The reference evaluator reads each rule's conditions tree as it stands, with none of the
// compilation, indexing or shortcuts of the engine: a second, plain implementation of the
// condition semantics that the property test holds the engine equal to.

// interpretCart decides a cart conditions tree.
func interpretCart(c Condition, ec *evalCtx) bool {
	switch c.Kind {
	case KindCombine, "":
		if len(c.Conditions) == 0 {
			return true
		}
		expect := c.Expect || c.Kind == ""
		anyOf := c.Aggregator == "any"
		for _, ch := range c.Conditions {
			v := interpretCart(ch, ec) == expect
			if anyOf && v {
				return true
			}
			if !anyOf && !v {
				return false
			}
		}
		return !anyOf
	case KindCart:
		var v any
		switch c.Attribute {
		case AttrSubtotal:
			v = float64(ec.subtotal)
		case AttrTotalQty:
			v = float64(ec.qty)
		case AttrWeight:
			v = ec.weight
		case AttrShippingMethod:
			v = ec.cart.ShippingMethod
		case AttrPostcode:
			v = ec.cart.Postcode
		case AttrRegion:
			v = ec.cart.Region
		case AttrCountry:
			v = ec.cart.Country
		case AttrPaymentMethod:
			v = ec.cart.PaymentMethod
		}
		return interpretCompare(KindCart, c, v)
	case KindAudience:
		hit := false
		for _, s := range c.Values {
			id, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			for _, a := range ec.ctx.Audiences {
				if a == id {
					hit = true
				}
			}
		}
		return hit != (c.Operator == OpNotOneOf)
	case KindFound:
		found := false
		for i := range ec.cart.Items {
			if interpretItems(c, &ec.cart.Items[i]) {
				found = true
			}
		}
		return found == c.Expect
	case KindSubselect:
		var total float64
		for i := range ec.cart.Items {
			it := &ec.cart.Items[i]
			if interpretItems(c, it) {
				if c.Attribute == AttrRowTotal {
					total += float64(it.RowTotal())
				} else {
					total += float64(it.Qty)
				}
			}
		}
		return interpretCompare(KindSubselect, c, total)
	}
	return false
}

// interpretItems decides the product conditions under c for one item.
func interpretItems(c Condition, it *Item) bool {
	if len(c.Conditions) == 0 {
		return true
	}
	expect := c.Kind != KindCombine || c.Expect
	anyOf := c.Aggregator == "any"
	for _, ch := range c.Conditions {
		var v bool
		if ch.Kind == KindCombine {
			v = interpretItems(ch, it)
		} else {
			var val any
			switch {
			case ch.Attribute == AttrSKU:
				val = it.SKU
			case ch.Attribute == AttrCategories:
				val = it.CategoryIDs
			case ch.Attribute == AttrPrice:
				val = float64(it.Price)
			case ch.Attribute == AttrQty:
				val = float64(it.Qty)
			case ch.Attribute == AttrRowTotal:
				val = float64(it.RowTotal())
			default:
				val = it.Attributes[strings.TrimPrefix(ch.Attribute, AttrPrefix)]
			}
			v = interpretCompare(KindProduct, ch, val)
		}
		v = v == expect
		if anyOf && v {
			return true
		}
		if !anyOf && !v {
			return false
		}
	}
	return !anyOf
}

// interpretCompare applies c's operator to value v, parsing c's values each time.
func interpretCompare(kind string, c Condition, v any) bool {
	t, _ := attrType(kind, c.Attribute)
	values := c.Values
	if len(values) == 0 && c.Value != "" {
		values = splitList(c.Value)
	}
	num := func(s string) float64 {
		f, _ := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if t == typeMoney {
			return math.Round(f * 100)
		}
		return f
	}
	switch x := v.(type) {
	case []int64:
		hit := false
		for _, id := range x {
			for _, s := range values {
				if n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && n == id {
					hit = true
				}
			}
		}
		if c.Operator == OpIsNot || c.Operator == OpNotOneOf {
			return !hit
		}
		return hit
	case float64:
		switch c.Operator {
		case OpIs:
			return x == num(c.Value)
		case OpIsNot:
			return x != num(c.Value)
		case OpGTE:
			return x >= num(c.Value)
		case OpLTE:
			return x <= num(c.Value)
		case OpGT:
			return x > num(c.Value)
		case OpLT:
			return x < num(c.Value)
		case OpOneOf, OpNotOneOf:
			in := false
			for _, s := range values {
				in = in || x == num(s)
			}
			return in == (c.Operator == OpOneOf)
		}
	case string:
		x = strings.ToLower(x)
		want := strings.ToLower(strings.TrimSpace(c.Value))
		switch c.Operator {
		case OpIs:
			return x == want
		case OpIsNot:
			return x != want
		case OpContains:
			return strings.Contains(x, want)
		case OpNotContains:
			return !strings.Contains(x, want)
		case OpOneOf, OpNotOneOf:
			in := false
			for _, s := range values {
				in = in || x == strings.ToLower(strings.TrimSpace(s))
			}
			return in == (c.Operator == OpOneOf)
		}
	}
	return false
}
