package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/checkout"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
	oview "audienceactivation/templates/orders"
)

const ordersPerPage = 25

// ordersList is Sales › Orders: every order, newest first, with the rules that applied.
func (s *Server) ordersList(c echo.Context) error {
	ctx := c.Request().Context()
	q := c.QueryParams()
	page := pageParam(q)
	v := oview.ListView{Base: s.base(c, "Orders", layout.NavOrders), Search: validation.Clean(q.Get("q"), 255),
		Audience: validation.Clean(q.Get("audience"), 255), From: q.Get("from"), To: q.Get("to"), Errors: map[string]string{},
		Sort: map[string]components.Column{}}
	f := checkout.OrderFilter{Search: v.Search, Audience: v.Audience, Page: page, PerPage: ordersPerPage, Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	f.From, f.To = dateRange(v.From, v.To, v.Errors)
	if f.Sort == "" {
		f.Sort, f.Desc = checkout.OrderSortDate, true // newest first
	}
	orders, n, err := s.deps.Checkout.Orders(ctx, f)
	if err != nil {
		return err
	}
	known, err := s.deps.Checkout.OrderAudienceNames(ctx)
	if err != nil {
		return err
	}
	for _, a := range known {
		v.Audiences = append(v.Audiences, components.Option{Value: a.CDPID, Label: a.Name, Selected: a.CDPID == v.Audience})
	}
	link := gridLinker("/admin/sales/orders", q, "q", "audience", "from", "to", "sort", "dir", "page")
	for _, col := range []struct{ key, label string }{{checkout.OrderSortNumber, "Order #"}, {checkout.OrderSortDate, "Purchase date"},
		{checkout.OrderSortCustomer, "Customer"}, {checkout.OrderSortDiscount, "Discount"}, {checkout.OrderSortTotal, "Grand total"}} {
		col := components.Column{Key: col.key, Label: col.label, Active: col.key == f.Sort, Desc: col.key == f.Sort && f.Desc}
		dir := ""
		if col.Active && !col.Desc {
			dir = "desc"
		}
		col.SortURL = link(map[string]string{"sort": col.Key, "dir": dir, "page": ""})
		v.Sort[col.Key] = col
	}
	views, err := s.storeViewsByID(c)
	if err != nil {
		return err
	}
	for _, o := range orders {
		cur := views[o.StoreViewID].Currency
		if o.CouponCode == "" {
			o.CouponCode = "—"
		}
		v.Rows = append(v.Rows, oview.Row{Number: o.IncrementID, URL: fmt.Sprintf("/admin/sales/orders/%d", o.ID), Date: formatTime(o.CreatedAt),
			Customer: orderCustomer(o), StoreView: views[o.StoreViewID].Name, Coupon: o.CouponCode, Rules: o.Rules,
			Subtotal: money(cur, o.Subtotal), Discount: discountText(cur, o.Discount), Shipping: money(cur, o.Shipping), Total: money(cur, o.GrandTotal),
			Audiences: orderAudienceNames(o.Audiences)})
	}
	v.Pager = withPageLinks(components.PagerView{Page: page, PerPage: ordersPerPage, Total: n}, link)
	return render(c, http.StatusOK, oview.List(v))
}

// orderView shows one order: its lines, the rules that gave it a discount, and totals.
func (s *Server) orderView(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	o, err := s.deps.Checkout.Order(ctx, id)
	if errors.Is(err, checkout.ErrOrderNotFound) {
		return echo.ErrNotFound
	} else if err != nil {
		return err
	}
	views, err := s.storeViewsByID(c)
	if err != nil {
		return err
	}
	groups, _, err := s.groupAndWebsiteNames(c)
	if err != nil {
		return err
	}
	cur := views[o.StoreViewID].Currency
	v := oview.DetailView{Base: s.base(c, "Order # "+o.IncrementID, layout.NavOrders), Number: o.IncrementID, Date: formatTime(o.CreatedAt),
		Customer: orderCustomer(o.OrderSummary), Group: groups[o.CustomerGroupID], StoreView: views[o.StoreViewID].Name, Coupon: o.CouponCode,
		Payment: checkout.PaymentTitle(o.PaymentMethod), Subtotal: money(cur, o.Subtotal), Discount: discountText(cur, o.Discount),
		Shipping: money(cur, o.Shipping), Total: money(cur, o.GrandTotal)}
	if v.Payment == "" {
		v.Payment = "Not recorded (placed on the reference storefront)"
	}
	for _, a := range o.Audiences {
		v.Audiences = append(v.Audiences, a.Name)
	}
	if o.ShippingDiscount > 0 {
		v.ShippingDiscount = discountText(cur, o.ShippingDiscount)
	}
	if a := o.Address; a != nil {
		v.Address = []string{strings.TrimSpace(a.Firstname + " " + a.Lastname), a.Company, strings.Join(a.Street, ", "),
			strings.Join(compact([]string{a.City, a.Region, a.Postcode}), " "), a.CountryCode, a.Telephone}
		v.Address = compact(v.Address)
	}
	for _, l := range o.Lines {
		v.Lines = append(v.Lines, oview.Line{SKU: l.SKU, Name: l.Name, Price: money(cur, l.Price), Qty: strconv.Itoa(l.Qty),
			Discount: discountText(cur, l.Discount), Row: money(cur, l.Price*int64(l.Qty)-l.Discount)})
	}
	for _, r := range o.AppliedRules {
		line := oview.RuleLine{Name: r.Name, Label: r.Label, Discount: discountText(cur, r.Discount)}
		if _, err := s.deps.PriceRules.Get(ctx, r.RuleID); err == nil {
			line.URL = fmt.Sprintf("/admin/price-rules/%d/edit", r.RuleID)
		}
		v.Rules = append(v.Rules, line)
	}
	return render(c, http.StatusOK, oview.Detail(v))
}

// storeViewsByID is every store view by id.
func (s *Server) storeViewsByID(c echo.Context) (map[int64]stores.StoreView, error) {
	vs, err := s.deps.Stores.StoreViews(c.Request().Context())
	if err != nil {
		return nil, err
	}
	out := make(map[int64]stores.StoreView, len(vs))
	for _, v := range vs {
		out[v.ID] = v
	}
	return out, nil
}

func orderCustomer(o checkout.OrderSummary) string {
	who := o.Email
	if who == "" {
		who = "Guest"
	}
	if o.CustomerID == 0 && o.Email != "" {
		who += " (guest)"
	}
	return who
}

func discountText(cur string, d int64) string {
	if d == 0 {
		return "—"
	}
	return "-" + money(cur, d)
}

func compact(lines []string) []string {
	var out []string
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// orderAudienceNames lists an order's audiences by name ("—" for none).
func orderAudienceNames(as []checkout.OrderAudience) string {
	if len(as) == 0 {
		return "—"
	}
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}
