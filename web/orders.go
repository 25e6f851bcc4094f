package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/auth"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/money"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
	oview "audienceactivation/templates/orders"
)

// ordersGrid is Sales › Orders as the column chooser and the export see it. Orders have one
// state in this product (placed), so there is no status column or filter.
var ordersGrid = registerGrid(&gridDef{name: "orders", base: "/admin/sales/orders", perm: auth.PermOrdersRead, file: "orders",
	keys: []string{"q", "audience", "from", "to", "sort", "dir", "page"},
	columns: []gridColumn{{key: "number", label: "Order #", fixed: true}, {key: "date", label: "Purchase date"}, {key: "customer", label: "Customer"},
		{key: "store_view", label: "Store view"}, {key: "audiences", label: "Shopper's audiences"}, {key: "coupon", label: "Coupon"},
		{key: "rules", label: "Cart price rules"}, {key: "subtotal", label: "Subtotal"}, {key: "discount", label: "Discount"},
		{key: "shipping", label: "Shipping"}, {key: "total", label: "Grand total"}, {key: "currency", label: "Currency", csvOnly: true}}})

// ordersFilter reads the orders grid's filters and sort from the query into v and the
// domain filter.
func ordersFilter(q url.Values, v *oview.ListView, loc *time.Location) checkout.OrderFilter {
	v.Search, v.Audience, v.From, v.To = validation.Clean(q.Get("q"), 255), validation.Clean(q.Get("audience"), 255), q.Get("from"), q.Get("to")
	v.Errors = map[string]string{}
	f := checkout.OrderFilter{Search: v.Search, Audience: v.Audience, Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	// Days are the default store view's (the admin has no timezone of its own).
	f.From, f.To = dateRangeIn(v.From, v.To, loc, v.Errors)
	if f.Sort == "" {
		f.Sort, f.Desc = checkout.OrderSortDate, true // newest first
	}
	return f
}

// ordersList is Sales › Orders: every order, newest first, with the rules that applied.
func (s *Server) ordersList(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, ordersGrid)
	if err != nil {
		return err
	}
	page := pageParam(g.q)
	v := oview.ListView{Base: s.base(c, "Orders", layout.NavOrders), Sort: map[string]components.Column{}}
	f := ordersFilter(g.q, &v, s.defaultLocation(c))
	f.Page, f.PerPage = page, g.perPage
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
	for _, col := range []struct{ key, label string }{{checkout.OrderSortNumber, "Order #"}, {checkout.OrderSortDate, "Purchase date"},
		{checkout.OrderSortCustomer, "Customer"}, {checkout.OrderSortDiscount, "Discount"}, {checkout.OrderSortTotal, "Grand total"}} {
		col := components.Column{Key: col.key, Label: col.label, Active: col.key == f.Sort, Desc: col.key == f.Sort && f.Desc}
		dir := ""
		if col.Active && !col.Desc {
			dir = "desc"
		}
		col.SortURL = g.link(map[string]string{"sort": col.Key, "dir": dir, "page": ""})
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
			Customer: orderCustomer(o), StoreView: views[o.StoreViewID].Name, Coupon: o.CouponCode, Rules: orDash(o.Rules),
			Subtotal: money.Display(cur, o.Subtotal), Discount: discountText(cur, o.Discount), Shipping: money.Display(cur, o.Shipping), Total: money.Display(cur, o.GrandTotal),
			Audiences: orderAudienceNames(o.Audiences)})
	}
	v.Pager = g.pager(page, n, 0, "orders")
	v.Tools = g.tools(v.CSRF)
	return render(c, http.StatusOK, oview.List(v))
}

// ordersCSV exports the orders the grid's filters match (every page), amounts as plain
// decimals beside the store view's currency.
func (s *Server) ordersCSV(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, ordersGrid)
	if err != nil {
		return err
	}
	var v oview.ListView
	f := ordersFilter(g.q, &v, s.defaultLocation(c))
	if len(v.Errors) > 0 {
		return s.exportRefused(c, g, v.Errors)
	}
	orders, n, err := exportRows(func(page, perPage int) ([]checkout.OrderSummary, int64, error) {
		f.Page, f.PerPage = page, perPage
		return s.deps.Checkout.Orders(ctx, f)
	})
	if err != nil {
		return err
	}
	views, err := s.storeViewsByID(c)
	if err != nil {
		return err
	}
	rows := make([]map[string]string, len(orders))
	for i, o := range orders {
		names := make([]string, len(o.Audiences))
		for j, a := range o.Audiences {
			names[j] = a.Name
		}
		rows[i] = map[string]string{"number": o.IncrementID, "date": o.CreatedAt.UTC().Format(time.RFC3339), "customer": orderCustomer(o),
			"store_view": views[o.StoreViewID].Name, "audiences": strings.Join(names, ", "), "coupon": o.CouponCode, "rules": o.Rules,
			"subtotal": money.Format(o.Subtotal), "discount": money.Format(o.Discount), "shipping": money.Format(o.Shipping),
			"total": money.Format(o.GrandTotal), "currency": views[o.StoreViewID].Currency}
	}
	return writeGridCSV(c, g, rows, n)
}

// orderView shows one order: its lines, the rules that gave it a discount, and totals.
func (s *Server) orderView(c echo.Context) error {
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return echo.ErrNotFound
	}
	o, err := s.deps.Checkout.Order(ctx, id)
	if err != nil {
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
		Payment: checkout.PaymentTitle(o.PaymentMethod), Subtotal: money.Display(cur, o.Subtotal), Discount: discountText(cur, o.Discount),
		Shipping: money.Display(cur, o.Shipping), Total: money.Display(cur, o.GrandTotal)}
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
		v.Lines = append(v.Lines, oview.Line{SKU: l.SKU, Name: l.Name, Price: money.Display(cur, l.Price), Qty: strconv.Itoa(l.Qty),
			Discount: discountText(cur, l.Discount), Row: money.Display(cur, l.Price*int64(l.Qty)-l.Discount)})
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
	return "-" + money.Display(cur, d)
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

// defaultLocation is the timezone of the default website's default store view, in which
// the admin reads dates that span websites (UTC when there is none).
func (s *Server) defaultLocation(c echo.Context) *time.Location {
	views, err := s.deps.Stores.StoreViews(c.Request().Context())
	if err != nil {
		return time.UTC
	}
	ws, err := s.deps.Stores.Websites(c.Request().Context())
	if err != nil {
		return time.UTC
	}
	for _, w := range ws {
		if !w.IsDefault {
			continue
		}
		for _, v := range views {
			if v.WebsiteID == w.ID && v.IsDefault {
				return v.Location()
			}
		}
	}
	return time.UTC
}
