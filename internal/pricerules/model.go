// Package pricerules owns cart price rules: their model, their conditions trees, and the
// evaluation engine that applies them to a cart with Magento's semantics. The engine is a
// pure function of a compiled, immutable snapshot of the rules, a cart and a context.
package pricerules

import "time"

// ActionType is how a rule discounts.
type ActionType string

// The actions.
const (
	ByPercent ActionType = "by_percent" // percent of product price
	ByFixed   ActionType = "by_fixed"   // fixed amount off each unit
	CartFixed ActionType = "cart_fixed" // fixed amount for the whole cart
	BuyXGetY  ActionType = "buy_x_get_y"
)

// CouponType says whether a rule needs a coupon.
type CouponType string

// The coupon types.
const (
	CouponNone     CouponType = "none"
	CouponSpecific CouponType = "specific"
	CouponAuto     CouponType = "auto"
)

// FreeShipping is a rule's free-shipping option.
type FreeShipping string

// The free-shipping options.
const (
	FreeShippingNo       FreeShipping = "no"
	FreeShippingMatching FreeShipping = "matching_items"
	FreeShippingWhole    FreeShipping = "whole_shipment"
)

// Rule is a cart price rule as the engine and the editor see it. Money is in minor units;
// PercentBP is hundredths of a percent (1000 = 10.00 %).
type Rule struct {
	ID int64
	// Code is the rule's stable name in rules files: a file imported again updates the rule
	// with its code. A rule saved without one gets "rule-<id>".
	Code             string
	Name             string
	Description      string
	Active           bool
	WebsiteIDs       []int64
	CustomerGroupIDs []int64
	CouponType       CouponType
	CouponCode       string
	UsesPerCoupon    int    // 0: unlimited
	UsesPerCustomer  int    // 0: unlimited
	FromDate         string // YYYY-MM-DD in the store view's timezone, inclusive; "" open
	ToDate           string
	Priority         int
	StopFurther      bool
	Conditions       Condition // cart conditions (a combine)
	ActionConditions Condition // which items (a combine of product conditions)
	Action           ActionType
	Amount           int64 // percent: basis points of a percent; fixed: minor units; buy X get Y: Y
	MaxQty           int   // "maximum qty discount is applied to" (0: no maximum)
	Step             int   // discount qty step; buy X get Y: X
	ApplyToShipping  bool
	FreeShipping     FreeShipping
	DefaultLabel     string
	Labels           map[int64]string // store view id → label
	TimesUsed        int
	Version          int
	UpdatedAt        time.Time
}

// Label is the label shown with the rule's discount in a store view.
func (r *Rule) Label(storeViewID int64) string {
	if l := r.Labels[storeViewID]; l != "" {
		return l
	}
	if r.DefaultLabel != "" {
		return r.DefaultLabel
	}
	return r.Name
}

// Coupon is a coupon code of a rule.
type Coupon struct {
	Code             string
	RuleID           int64
	UsageLimit       int // 0: unlimited
	UsagePerCustomer int // 0: unlimited
	TimesUsed        int
}

// Condition kinds.
const (
	KindCombine   = "combine"   // ALL|ANY of the children are TRUE|FALSE
	KindCart      = "cart"      // a cart attribute
	KindFound     = "found"     // an item is FOUND|NOT FOUND with ALL|ANY of the children
	KindSubselect = "subselect" // total qty|amount of the items matching the children
	KindProduct   = "product"   // an item attribute (inside found, subselect, actions)
	KindAudience  = "audience"  // Real-Time CDP Audience is one of / is not one of
)

// Cart attributes.
const (
	AttrSubtotal       = "subtotal"
	AttrTotalQty       = "total_qty"
	AttrWeight         = "weight"
	AttrShippingMethod = "shipping_method"
	AttrPostcode       = "postcode"
	AttrRegion         = "region"
	AttrCountry        = "country"
	AttrPaymentMethod  = "payment_method"
)

// Product attributes; any other product attribute is "attr:<code>".
const (
	AttrSKU        = "sku"
	AttrCategories = "category_ids"
	AttrPrice      = "price"
	AttrQty        = "qty"
	AttrRowTotal   = "row_total"
	AttrPrefix     = "attr:"
)

// Operators, with Magento's names.
const (
	OpIs          = "=="
	OpIsNot       = "!="
	OpGTE         = ">="
	OpLTE         = "<="
	OpGT          = ">"
	OpLT          = "<"
	OpContains    = "{}"
	OpNotContains = "!{}"
	OpOneOf       = "()"
	OpNotOneOf    = "!()"
)

// Condition is a node of a conditions tree. The same shape is stored as JSON and used by
// import/export.
type Condition struct {
	Kind       string      `json:"type"`
	Aggregator string      `json:"aggregator,omitempty"` // "all" or "any"
	Expect     bool        `json:"expect,omitempty"`     // combine: TRUE; found: FOUND
	Attribute  string      `json:"attribute,omitempty"`
	Operator   string      `json:"operator,omitempty"`
	Value      string      `json:"value,omitempty"`
	Values     []string    `json:"values,omitempty"`
	Conditions []Condition `json:"conditions,omitempty"`
}

// All is an "If ALL of these conditions are TRUE" combine of cs.
func All(cs ...Condition) Condition {
	return Condition{Kind: KindCombine, Aggregator: "all", Expect: true, Conditions: cs}
}

// Item is a cart line.
type Item struct {
	ID          int64
	SKU         string
	Price       int64 // unit price, minor units
	Qty         int
	Weight      float64 // per unit
	CategoryIDs []int64
	Attributes  map[string]string
}

// RowTotal is price × qty.
func (i *Item) RowTotal() int64 { return i.Price * int64(i.Qty) }

// Cart is what the engine discounts.
type Cart struct {
	Items          []Item
	Shipping       int64 // shipping amount, minor units
	ShippingMethod string
	Postcode       string
	Region         string
	Country        string
	PaymentMethod  string
}

// Shopper is who is shopping, where and when: the engine's second input beside the Cart
// (not a context.Context; it carries no deadline or cancellation).
type Shopper struct {
	WebsiteID       int64
	StoreViewID     int64
	CustomerGroupID int64
	CustomerID      int64   // 0: guest
	Audiences       []int64 // local ids of the shopper's active audiences on the website
	Coupon          string
	Now             time.Time
	Location        *time.Location // the store view's timezone (nil: UTC)
	// Usage by this customer, loaded by the caller: rule id → times used, coupon → times.
	CustomerRuleUses   map[int64]int
	CustomerCouponUses map[string]int
	// Explain asks for the reason each rule did not apply (the preview); evaluation then
	// looks at every rule rather than the indexed candidates.
	Explain bool
}

// LineDiscount is one rule's discount on one item.
type LineDiscount struct {
	RuleID int64
	Amount int64
}

// ItemResult is what the rules did to one item.
type ItemResult struct {
	ItemID       int64
	Discount     int64
	FreeShipping bool
	Lines        []LineDiscount
}

// AppliedRule is a rule that applied, with its label and its total effect.
type AppliedRule struct {
	RuleID           int64
	Name             string
	Label            string
	Discount         int64 // items and shipping
	ShippingDiscount int64
	FreeShipping     bool
}

// Skipped is a rule that did not apply and the first reason why.
type Skipped struct {
	RuleID int64
	Name   string
	Reason string
}

// Result is the outcome of an evaluation.
type Result struct {
	Items            []ItemResult
	Subtotal         int64
	ItemsDiscount    int64
	Shipping         int64
	ShippingDiscount int64
	FreeShipping     bool
	Applied          []AppliedRule
	NotApplied       []Skipped // with Shopper.Explain
	CouponApplied    bool      // the context's coupon belongs to an applied rule
}

// Discount is the total discount, items and shipping.
func (r *Result) Discount() int64 { return r.ItemsDiscount + r.ShippingDiscount }
