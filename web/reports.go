package web

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/checkout"
	"audienceactivation/internal/money"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
	rview "audienceactivation/templates/reports"
)

// promotionReport reads the report's filters (website, period; the last 30 days by
// default) and asks checkout for the figures, naming the audiences each rule's
// conditions name.
func (s *Server) promotionReport(c echo.Context) (rview.View, checkout.PromotionReport, error) {
	ctx := c.Request().Context()
	q := c.QueryParams()
	v := rview.View{Base: s.base(c, "Audience Promotions", layout.NavReports), Errors: map[string]string{}, From: q.Get("from"), To: q.Get("to")}
	now := s.deps.Now().UTC()
	loc := time.UTC
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return v, checkout.PromotionReport{}, err
	}
	websiteID, _ := strconv.ParseInt(q.Get("website"), 10, 64)
	if websiteID == 0 && len(websites) > 0 {
		websiteID = websites[0].ID
		for _, w := range websites {
			if w.IsDefault {
				websiteID = w.ID
			}
		}
	}
	for _, w := range websites {
		v.Websites = append(v.Websites, components.Option{Value: strconv.FormatInt(w.ID, 10), Label: w.Name, Selected: w.ID == websiteID})
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return v, checkout.PromotionReport{}, err
	}
	for _, sv := range views {
		if sv.WebsiteID == websiteID && (v.Currency == "" || sv.IsDefault) {
			v.Currency, loc = sv.Currency, sv.Location()
		}
	}
	// Days are the store's: an evening order counts on its own date. By default, the last
	// 30 days.
	if v.From == "" && v.To == "" {
		today := now.In(loc)
		v.From, v.To = today.AddDate(0, 0, -29).Format("2006-01-02"), today.Format("2006-01-02")
	}
	from, to := dateRangeIn(v.From, v.To, loc, v.Errors)
	if from.IsZero() {
		from = now.AddDate(-1, 0, 0)
	}
	if to.IsZero() {
		to = now.AddDate(0, 0, 1)
	}
	if len(v.Errors) > 0 {
		return v, checkout.PromotionReport{}, nil
	}
	// The audiences each rule names, by CDP id.
	rules, _, err := s.deps.PriceRules.All(ctx)
	if err != nil {
		return v, checkout.PromotionReport{}, err
	}
	f := checkout.ReportFilter{WebsiteID: websiteID, From: from, To: to, Location: loc, RuleAudiences: map[int64]map[string]string{}, RuleNames: map[int64]string{}}
	for _, r := range rules {
		ids := pricerules.AudienceIDs(r.Conditions)
		if len(ids) == 0 || !containsID(r.WebsiteIDs, websiteID) {
			continue
		}
		as, err := s.deps.Audiences.ByIDs(ctx, ids)
		if err != nil {
			return v, checkout.PromotionReport{}, err
		}
		named := map[string]string{}
		for _, a := range as {
			named[a.CDPID] = a.Name
		}
		f.RuleAudiences[r.ID], f.RuleNames[r.ID] = named, r.Name
	}
	rep, err := s.deps.Checkout.PromotionReport(ctx, f)
	if errors.Is(err, checkout.ErrReportTooLarge) {
		v.Errors["from"] = err.Error()
		return v, rep, nil
	}
	if err != nil {
		return v, rep, err
	}
	v.Ran = true
	v.CSVURL = "/admin/reports/audience-promotions.csv?" + url.Values{"website": {strconv.FormatInt(websiteID, 10)}, "from": {v.From}, "to": {v.To}}.Encode()
	return v, rep, nil
}

// reportPromotions is Reports › Audience Promotions.
func (s *Server) reportPromotions(c echo.Context) error {
	v, rep, err := s.promotionReport(c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if !v.Ran {
		return render(c, status, rview.Page(v))
	}
	cur := v.Currency
	v.All = figures(cur, rep.All)
	local, err := s.audienceLinks(c, rep)
	if err != nil {
		return err
	}
	for _, r := range rep.Rules {
		rv := rview.Rule{Name: r.Name, Href: fmt.Sprintf("/admin/price-rules/%d/edit", r.RuleID), Applied: figures(cur, r.Applied), Chart: chartOf(cur, r.Days)}
		for _, sp := range r.Audiences {
			rv.Splits = append(rv.Splits, splitView(cur, sp, local[sp.CDPID]))
		}
		v.Rules = append(v.Rules, rv)
	}
	for _, sp := range rep.Audiences {
		v.Audiences = append(v.Audiences, splitView(cur, sp, local[sp.CDPID]))
	}
	return render(c, http.StatusOK, rview.Page(v))
}

// audienceLinks finds the audience page of each audience the report names (by CDP id).
func (s *Server) audienceLinks(c echo.Context, rep checkout.PromotionReport) (map[string]string, error) {
	var ids []string
	for _, r := range rep.Rules {
		for _, sp := range r.Audiences {
			ids = append(ids, sp.CDPID)
		}
	}
	for _, sp := range rep.Audiences {
		ids = append(ids, sp.CDPID)
	}
	local, err := s.deps.Audiences.LocalIDs(c.Request().Context(), ids)
	out := map[string]string{}
	for cdp, id := range local {
		out[cdp] = fmt.Sprintf("/admin/audiences/%d", id)
	}
	return out, err
}

// reportPromotionsCSV is the report as CSV: one line per rule, rule and audience, and
// audience, members and everyone else apart.
func (s *Server) reportPromotionsCSV(c echo.Context) error {
	v, rep, err := s.promotionReport(c)
	if err != nil {
		return err
	}
	if !v.Ran {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Choose a valid period.")
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"section", "cart_price_rule", "audience", "shoppers", "orders", "revenue", "discount", "average_order", "currency"})
	amount := money.Format
	row := func(section, rule, audience, who string, f checkout.Figures) {
		w.Write([]string{section, validation.SpreadsheetSafe(rule), validation.SpreadsheetSafe(audience), who, strconv.Itoa(f.Orders), amount(f.Revenue), amount(f.Discount), amount(f.AOV()), v.Currency})
	}
	row("all orders", "", "", "all", rep.All)
	for _, r := range rep.Rules {
		row("rule", r.Name, "", "orders with the rule", r.Applied)
		for _, sp := range r.Audiences {
			row("rule and audience", r.Name, sp.Name, "members", sp.With)
			row("rule and audience", r.Name, sp.Name, "everyone else", sp.Without)
		}
	}
	for _, sp := range rep.Audiences {
		row("audience", "", sp.Name, "members", sp.With)
		row("audience", "", sp.Name, "everyone else", sp.Without)
	}
	w.Flush()
	name := fmt.Sprintf("audience-promotions-%s-%s.csv", v.From, v.To)
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf("attachment; filename=%q", name))
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b.Bytes())
}

func figures(cur string, f checkout.Figures) rview.Figures {
	return rview.Figures{Orders: strconv.Itoa(f.Orders), Revenue: money.Display(cur, f.Revenue), Discount: money.Display(cur, f.Discount), AOV: money.Display(cur, f.AOV())}
}

func splitView(cur string, sp checkout.AudienceSplit, href string) rview.Split {
	out := rview.Split{Audience: sp.Name, Href: href, With: figures(cur, sp.With), Without: figures(cur, sp.Without)}
	if w, wo := sp.With.AOV(), sp.Without.AOV(); sp.With.Orders > 0 && sp.Without.Orders > 0 && wo > 0 {
		pct := float64(w-wo) * 100 / float64(wo)
		out.Lift, out.LiftUp = fmt.Sprintf("%+.0f %%", pct), w >= wo
	}
	return out
}

// chartOf draws a rule's days as bars of the revenue with the rule.
func chartOf(cur string, days []checkout.Day) rview.Chart {
	ch := rview.Chart{Width: 720, Height: 120}
	var top int64
	for _, d := range days {
		top = max(top, d.Revenue)
	}
	if len(days) == 0 || top == 0 {
		ch.Empty = true
		return ch
	}
	ch.First, ch.Last, ch.Max = days[0].Date, days[len(days)-1].Date, money.Display(cur, top)
	step := ch.Width / len(days)
	if step < 1 {
		step = 1
	}
	for i, d := range days {
		h := int(d.Revenue * int64(ch.Height-14) / top)
		if d.Revenue > 0 && h < 1 {
			h = 1
		}
		ch.Bars = append(ch.Bars, rview.Bar{X: i * step, Y: ch.Height - h, W: max(step-1, 1), H: h,
			Title: fmt.Sprintf("%s: %d order(s), %s, discount %s", d.Date, d.Orders, money.Display(cur, d.Revenue), money.Display(cur, d.Discount))})
	}
	return ch
}
