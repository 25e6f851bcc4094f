// Package pricerules holds the Marketing › Cart Price Rules pages: the grid and the editor
// with its conditions tree builder.
package pricerules

import (
	"strconv"
	"strings"

	"audienceactivation/templates/audiences"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

// Option is a choice of a select or a checkbox list.
type Option = components.Option

// Column is a sortable grid header.
type Column = components.Column

// Row is one rule in the grid.
type Row struct {
	ID                                                 int64
	Name, Coupon, Priority, Status, Websites, From, To string
	Active                                             bool
	EditURL                                            string
}

// GridView is the rules grid.
type GridView struct {
	layout.Base
	Search, Status, Website string
	Websites                []Option
	Columns                 []Column
	Rows                    []Row
	Pager                   components.PagerView
	Tools                   components.GridTools // page size, column chooser, export
}

// NodeView is one node of a conditions tree as the builder shows it.
type NodeView struct {
	Path       string // form name prefix, such as "c.0.1"
	Kind       string
	Aggregator string
	Expect     bool
	Attribute  string
	Operator   string
	Value      string
	Sentence   string // for leaves: what the fields say, in words
	AttrLabel  string
	Operators  []Option
	Attributes []Option // for the attribute select of a leaf
	AddOptions []Option // what can be added under a container
	Children   []NodeView
	Chooser    *audiences.ChooserView // audience leaves
	IsRoot     bool
	Container  bool
	FormAction string // where the builder's buttons post the form
	Error      string // this condition's own problem, shown beside it
}

// Anchor is the node's element id, for links to it.
func (n NodeView) Anchor() string { return "cond-" + strings.ReplaceAll(n.Path, ".", "-") }

// EditView is the editor.
type EditView struct {
	layout.Base
	ID, Version        int64
	Action             string
	DeleteURL          string
	ErrorLinks         []components.ErrorLink // the fields with a problem, in page order
	Name, Description  string
	Active             bool
	Websites           []Option
	Groups             []Option
	CouponType         string
	CouponCode         string
	UsesPerCoupon      string
	UsesPerCustomer    string
	FromDate, ToDate   string
	Priority           string
	StopFurther        bool
	ActionType         string
	ActionTypes        []Option
	Amount             string
	MaxQty, Step       string
	ApplyToShipping    bool
	FreeShipping       string
	FreeShippingOpts   []Option
	DefaultLabel       string
	Labels             []LabelView
	Conditions         NodeView
	ActionConditions   NodeView
	ConditionsSentence string
	Errors             map[string]string
	Conflict           bool
	ReloadURL          string
	Coupons            *CouponsView // for saved rules with generated coupons
	RelatedBlocks      []Link       // dynamic blocks related to this rule
	AudienceWarnings   []string     // audiences in the conditions that match nobody where the rule runs
}

// Link is a named link.
type Link struct{ Label, Href string }

// CouponsView is the rule's coupon generator and grid.
type CouponsView struct {
	RuleID                                    int64
	Qty, Length, Format, Prefix, Suffix, Dash string
	Errors                                    map[string]string
	Rows                                      []CouponRow
	Total                                     int64
	Shown                                     int
}

// CouponRow is one generated coupon.
type CouponRow struct {
	ID                             int64
	Code, Used, TimesUsed, Created string
}

// LabelView is one store view's label field.
type LabelView struct {
	StoreViewID int64
	StoreView   string
	Value       string
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// IsNew reports whether the editor creates a rule.
func (v EditView) IsNew() bool { return v.ID == 0 }
