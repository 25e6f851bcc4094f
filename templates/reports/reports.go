// Package reports holds Reports › Audience Promotions: what each cart price rule earned,
// and how an audience's members bought against everyone else.
package reports

import (
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
)

// Figures are formatted counts and amounts.
type Figures struct{ Orders, Revenue, Discount, AOV string }

// Split compares an audience's members with everyone else; Lift says how much larger the
// members' average order is ("+12 %"), empty when either side has no orders.
type Split struct {
	Audience, Href string
	With, Without  Figures
	Lift           string
	LiftUp         bool
}

// Bar is one day of a rule's chart, placed in the SVG's coordinates.
type Bar struct {
	X, Y, W, H int
	Title      string // the day's figures, for the tooltip
}

// Chart is a rule's revenue with the rule, day by day, as an SVG bar chart.
type Chart struct {
	Width, Height int
	Bars          []Bar
	Max           string // the tallest bar's amount
	First, Last   string // the period's first and last day
	Empty         bool
}

// Rule is one cart price rule's performance.
type Rule struct {
	Name, Href string
	Applied    Figures
	Chart      Chart
	Splits     []Split
}

// View is the report page.
type View struct {
	layout.Base
	Websites  []components.Option
	From, To  string
	Errors    map[string]string
	Currency  string
	All       Figures
	Rules     []Rule
	Audiences []Split
	CSVURL    string
	Ran       bool
}
