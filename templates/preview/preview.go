// Package preview holds Marketing › Personalization Preview: a simulator that shows which
// cart price rules apply and which dynamic blocks show for a shopper and a cart, and why.
package preview

import (
	"audienceactivation/templates/audiences"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

// Option is a choice of a select or a checkbox list.
type Option = components.Option

// Line is a cart line of the form.
type Line struct {
	SKU, Price, Qty, Categories string
}

// RuleResult is a rule that applied.
type RuleResult struct {
	Name, Label, Discount, Shipping string
	FreeShipping                    bool
	Href                            string
}

// Skipped is a rule that did not apply.
type Skipped struct{ Name, Reason, Href string }

// LineResult is a cart line's outcome.
type LineResult struct {
	SKU, RowTotal, Discount string
	Details                 []string
}

// BlockResult is a placement's outcome.
type BlockResult struct {
	Placement, Location string
	Shown               []string
	Omitted             []string
}

// View is the preview page.
type View struct {
	layout.Base
	StoreViews    []Option
	Groups        []Option
	Coupon        string
	At            string // the date and time to preview at (datetime-local), empty: now
	AsOf          string // the moment evaluated, for the results: "Fri 27 Nov 2026, 00:00 Europe/Paris"
	Shipping      string
	Country       string
	Region        string
	Postcode      string
	Payments      []Option
	Lines         []Line
	Chooser       audiences.ChooserView
	Errors        map[string]string
	Ran           bool
	AudienceNotes []string
	Applied       []RuleResult
	NotApplied    []Skipped
	LineResults   []LineResult
	Subtotal      string
	Discount      string
	ShippingTotal string
	GrandTotal    string
	FreeShipping  bool
	Blocks        []BlockResult
}

func itoa(n int) string {
	const d = "0123456789"
	if n < 10 {
		return d[n : n+1]
	}
	return itoa(n/10) + d[n%10:n%10+1]
}

func joinDetails(ss []string) string {
	if len(ss) == 0 {
		return "—"
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += "; " + s
	}
	return out
}
