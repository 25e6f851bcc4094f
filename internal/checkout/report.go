package checkout

import (
	"context"
	"sort"
	"time"
)

// Figures are orders counted together: how many, their revenue (grand totals) and the
// discount given. Amounts are minor units of the website's currency.
type Figures struct {
	Orders            int
	Revenue, Discount int64
}

// AOV is the average order value (0 without orders).
func (f Figures) AOV() int64 {
	if f.Orders == 0 {
		return 0
	}
	return (f.Revenue + int64(f.Orders)/2) / int64(f.Orders)
}

func (f *Figures) add(revenue, discount int64) {
	f.Orders++
	f.Revenue += revenue
	f.Discount += discount
}

// AudienceSplit compares the orders of an audience's members with everyone else's, in the
// same period: With are the orders whose shopper was in the audience when ordering.
type AudienceSplit struct {
	CDPID, Name   string
	With, Without Figures
}

// Day is one day's figures (in the store's timezone) for a chart.
type Day struct {
	Date string // YYYY-MM-DD
	Figures
}

// RulePerformance is what one cart price rule earned in the period: the orders it applied
// to, day by day, and for each audience its conditions name, members against the rest
// (Discount there is this rule's discount alone).
type RulePerformance struct {
	RuleID    int64
	Name      string
	Applied   Figures
	Days      []Day
	Audiences []AudienceSplit
}

// PromotionReport is Reports › Audience Promotions for a website and a period.
type PromotionReport struct {
	All       Figures           // every order of the period
	Rules     []RulePerformance // rules that applied at least once, by discount given
	Audiences []AudienceSplit   // every audience orders carried, by members' revenue
}

// ReportFilter chooses the orders of a report: a website's, placed in [From, To).
type ReportFilter struct {
	WebsiteID int64
	From, To  time.Time
	// Location is the store's timezone, in which days are counted (nil: UTC).
	Location *time.Location
	// RuleAudiences names, for each rule, the audiences (CDP id → name) its conditions
	// name: rules are pricerules', so the caller says which.
	RuleAudiences map[int64]map[string]string
	// RuleNames names the rules of RuleAudiences, so a rule that never applied in the
	// period is reported too, with nothing earned.
	RuleNames map[int64]string
}

// maxReportOrders bounds what one report reads; a larger period is refused by the caller's
// message rather than read slowly.
const maxReportOrders = 200_000

// ErrReportTooLarge means the period holds more orders than one report reads.
var ErrReportTooLarge = shopperError("The period holds more than 200,000 orders: choose a shorter one.")

// PromotionReport adds up the orders of a period: overall, per rule that applied (with the
// audiences it names, members against the rest), and per audience.
func (s *Service) PromotionReport(ctx context.Context, f ReportFilter) (PromotionReport, error) {
	var rep PromotionReport
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	g := s.db.WithContext(ctx)
	var n int64
	where := "o.website_id = ? AND o.created_at >= ? AND o.created_at < ?"
	args := []any{f.WebsiteID, f.From.UTC(), f.To.UTC()}
	if err := g.Raw("SELECT COUNT(*) FROM orders o WHERE "+where, args...).Scan(&n).Error; err != nil {
		return rep, err
	}
	if n > maxReportOrders {
		return rep, ErrReportTooLarge
	}
	var orders []struct {
		ID         int64
		CreatedAt  time.Time
		GrandTotal int64
		Discount   int64
	}
	if err := g.Raw("SELECT o.id, o.created_at, o.grand_total, o.discount FROM orders o WHERE "+where+" ORDER BY o.id", args...).Scan(&orders).Error; err != nil {
		return rep, err
	}
	var rules []struct {
		OrderID, RuleID int64
		Name            string
		Discount        int64
	}
	if err := g.Raw("SELECT r.order_id, r.rule_id, r.name, r.discount FROM order_rules r JOIN orders o ON o.id = r.order_id WHERE "+where+" ORDER BY r.order_id", args...).Scan(&rules).Error; err != nil {
		return rep, err
	}
	var auds []struct {
		OrderID int64
		CDPID   string `gorm:"column:cdp_id"`
		Name    string
	}
	if err := g.Raw("SELECT a.order_id, a.cdp_id, a.name FROM order_audiences a JOIN orders o ON o.id = a.order_id WHERE "+where+" ORDER BY a.order_id", args...).Scan(&auds).Error; err != nil {
		return rep, err
	}
	member := map[int64]map[string]bool{} // order → audiences
	names := map[string]string{}
	for _, a := range auds {
		if member[a.OrderID] == nil {
			member[a.OrderID] = map[string]bool{}
		}
		member[a.OrderID][a.CDPID] = true
		names[a.CDPID] = a.Name
	}
	ruleDiscount := map[int64]map[int64]int64{} // order → rule → discount
	ruleName := map[int64]string{}
	for _, r := range rules {
		if ruleDiscount[r.OrderID] == nil {
			ruleDiscount[r.OrderID] = map[int64]int64{}
		}
		ruleDiscount[r.OrderID][r.RuleID] += r.Discount
		ruleName[r.RuleID] = r.Name
	}
	// Per audience, over every order of the period.
	splits := map[string]*AudienceSplit{}
	for id, name := range names {
		splits[id] = &AudienceSplit{CDPID: id, Name: name}
	}
	// Per rule: the orders it applied to, by day; and the audiences it names.
	perf := map[int64]*RulePerformance{}
	days := map[int64]map[string]*Figures{}
	ruleSplits := map[int64]map[string]*AudienceSplit{}
	for ruleID, as := range f.RuleAudiences {
		ruleSplits[ruleID] = map[string]*AudienceSplit{}
		for id, name := range as {
			if n := names[id]; n != "" {
				name = n // as the orders named it
			}
			ruleSplits[ruleID][id] = &AudienceSplit{CDPID: id, Name: name}
		}
	}
	// Members' orders are added up as they come; everyone else's are the period's less
	// the members', so the work is one pass over the orders and their memberships.
	audRules := map[string][]int64{} // audience → rules naming it
	for ruleID, sps := range ruleSplits {
		for id := range sps {
			audRules[id] = append(audRules[id], ruleID)
		}
	}
	ruleTotal := map[int64]int64{} // rule → discount over the period
	for _, o := range orders {
		rep.All.add(o.GrandTotal, o.Discount)
		for id := range member[o.ID] {
			splits[id].With.add(o.GrandTotal, o.Discount)
			for _, ruleID := range audRules[id] {
				ruleSplits[ruleID][id].With.add(o.GrandTotal, ruleDiscount[o.ID][ruleID])
			}
		}
		for ruleID, d := range ruleDiscount[o.ID] {
			ruleTotal[ruleID] += d
			p := perf[ruleID]
			if p == nil {
				p = &RulePerformance{RuleID: ruleID, Name: ruleName[ruleID]}
				perf[ruleID], days[ruleID] = p, map[string]*Figures{}
			}
			p.Applied.add(o.GrandTotal, d)
			day := o.CreatedAt.In(loc).Format("2006-01-02")
			if days[ruleID][day] == nil {
				days[ruleID][day] = &Figures{}
			}
			days[ruleID][day].add(o.GrandTotal, d)
		}
	}
	rest := func(all, with Figures, discount int64) Figures {
		return Figures{Orders: all.Orders - with.Orders, Revenue: all.Revenue - with.Revenue, Discount: discount - with.Discount}
	}
	for _, sp := range splits {
		sp.Without = rest(rep.All, sp.With, rep.All.Discount)
	}
	for ruleID, sps := range ruleSplits {
		for _, sp := range sps {
			sp.Without = rest(rep.All, sp.With, ruleTotal[ruleID])
		}
	}
	for ruleID := range f.RuleAudiences {
		if perf[ruleID] == nil {
			perf[ruleID], days[ruleID] = &RulePerformance{RuleID: ruleID, Name: f.RuleNames[ruleID]}, map[string]*Figures{}
		}
	}
	for ruleID, p := range perf {
		// Every day of the period, so a chart shows the quiet days too (at most a year).
		start := f.From.In(loc)
		for d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc); d.Before(f.To) && len(p.Days) < 366; d = d.AddDate(0, 0, 1) {
			key := d.Format("2006-01-02")
			day := Day{Date: key}
			if fig := days[ruleID][key]; fig != nil {
				day.Figures = *fig
			}
			p.Days = append(p.Days, day)
		}
		for _, sp := range ruleSplits[ruleID] {
			p.Audiences = append(p.Audiences, *sp)
		}
		sort.Slice(p.Audiences, func(i, j int) bool { return p.Audiences[i].Name < p.Audiences[j].Name })
		rep.Rules = append(rep.Rules, *p)
	}
	sort.Slice(rep.Rules, func(i, j int) bool {
		if rep.Rules[i].Applied.Discount != rep.Rules[j].Applied.Discount {
			return rep.Rules[i].Applied.Discount > rep.Rules[j].Applied.Discount
		}
		return rep.Rules[i].RuleID < rep.Rules[j].RuleID
	})
	for _, sp := range splits {
		rep.Audiences = append(rep.Audiences, *sp)
	}
	sort.Slice(rep.Audiences, func(i, j int) bool {
		if rep.Audiences[i].With.Revenue != rep.Audiences[j].With.Revenue {
			return rep.Audiences[i].With.Revenue > rep.Audiences[j].With.Revenue
		}
		return rep.Audiences[i].Name < rep.Audiences[j].Name
	})
	return rep, nil
}
