package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/catalog"
	"audienceactivation/internal/checkout"
	"audienceactivation/internal/money"
	"audienceactivation/internal/preview"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/layout"
	pview "audienceactivation/templates/preview"
)

const previewLines = 6

var audienceIDsRe = regexp.MustCompile(`Real-Time CDP Audience (is (?:not )?one of) ([0-9]+(?:, [0-9]+)*)`)

func (s *Server) previewPage(c echo.Context) error {
	form := url.Values{"group": {"1"}, "sku": {"TEE-1"}, "price": {"25.00"}, "qty": {"3"}, "country": {"US"}}
	// Start from the catalog when there is one: its first product, at its price.
	if ps, _, _, err := s.deps.Catalog.List(c.Request().Context(), catalog.Filter{PerPage: 1}); err != nil {
		return err
	} else if len(ps) > 0 {
		form.Set("sku", ps[0].SKU)
		form.Del("price")
	}
	return s.renderPreview(c, form, false)
}

func (s *Server) previewRun(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	run := form.Get("chooser_goto") == "" && form.Get("chooser_search") == ""
	return s.renderPreview(c, form, run)
}

func (s *Server) renderPreview(c echo.Context, form url.Values, run bool) error {
	ctx := c.Request().Context()
	v := pview.View{Base: s.base(c, "Personalization Preview", layout.NavPreview), Errors: map[string]string{},
		Coupon: validation.Clean(form.Get("coupon"), 255), Shipping: form.Get("shipping"), Country: validation.Clean(form.Get("country"), 2),
		Region: validation.Clean(form.Get("region"), 64), Postcode: validation.Clean(form.Get("postcode"), 32)}
	// The conditions on the address and payment method see what checkout would give them.
	payment := form.Get("payment")
	if checkout.PaymentTitle(payment) == "" {
		payment = ""
	}
	v.Payments = []pview.Option{{Value: "", Label: "Not chosen yet", Selected: payment == ""}}
	for _, m := range checkout.PaymentMethods {
		v.Payments = append(v.Payments, pview.Option{Value: m.Code, Label: m.Title, Selected: m.Code == payment})
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	var sv stores.StoreView
	for i, x := range views {
		selected := form.Get("store_view") == strconv.FormatInt(x.ID, 10) || (form.Get("store_view") == "" && x.IsDefault && x.WebsiteID == views[0].WebsiteID)
		if selected || (i == 0 && sv.ID == 0) {
			sv = x
		}
		v.StoreViews = append(v.StoreViews, pview.Option{Value: strconv.FormatInt(x.ID, 10), Label: x.Name + " (" + x.Code + ")", Selected: selected})
	}
	// "Preview as of": a date and time in the store view's timezone, else now.
	now := s.deps.Now()
	if at := strings.TrimSpace(form.Get("at")); at != "" {
		v.At = validation.Clean(at, 32)
		t, err := time.ParseInLocation("2006-01-02T15:04", v.At, sv.Location())
		if err != nil {
			t, err = time.ParseInLocation("2006-01-02T15:04:05", v.At, sv.Location())
		}
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			v.Errors["at"] = "Enter a date and time such as 2026-11-27 00:00, or leave it empty for now."
		} else {
			now = t
		}
	}
	v.AsOf = now.In(sv.Location()).Format("Jan 2, 2006, 3:04 PM") + " (" + sv.Location().String() + ")"
	groups, err := s.deps.Stores.CustomerGroups(ctx)
	if err != nil {
		return err
	}
	group, _ := strconv.ParseInt(form.Get("group"), 10, 64)
	for _, g := range groups {
		v.Groups = append(v.Groups, pview.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Code, Selected: g.ID == group})
	}
	in, wanted := bindPreviewCart(form, &v)
	in.Country, in.Region, in.Postcode, in.Payment = v.Country, v.Region, v.Postcode, payment
	products, err := s.deps.Catalog.BySKU(ctx, wanted)
	if err != nil {
		return err
	}
	rates, err := s.deps.LiveShipping.Current(ctx)
	if err != nil {
		return err
	}
	cart, errs := preview.BuildCart(in, sv, products, rates[sv.WebsiteID])
	for field, msg := range errs {
		v.Errors[field] = msg
	}
	field := "audience_ids"
	page := 1
	if f, p, ok := strings.Cut(form.Get("chooser_goto"), ":"); ok && f == field {
		page, _ = strconv.Atoi(p)
	}
	if v.Chooser, err = s.chooserView(ctx, field, validation.Clean(form.Get("chooser_q:"+field), 255), page, form[field]); err != nil {
		return err
	}
	status := http.StatusOK
	if len(v.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	if !run || len(v.Errors) > 0 {
		return render(c, status, pview.Page(v))
	}
	var chosen []int64
	for _, raw := range form[field] {
		if id, err := strconv.ParseInt(raw, 10, 64); err == nil {
			chosen = append(chosen, id)
		}
	}
	src := preview.Sources{}
	if src.Membership, err = s.deps.Audiences.Membership(ctx); err != nil {
		return err
	}
	if src.Rules, err = s.deps.LiveRules.Current(ctx); err != nil {
		return err
	}
	if src.Blocks, err = s.deps.Blocks.Snapshot(ctx); err != nil {
		return err
	}
	if src.Placements, err = s.deps.Blocks.Placements(ctx); err != nil {
		return err
	}
	out := preview.Run(cart, preview.Shopper{StoreView: sv, GroupID: group, Audiences: chosen, Coupon: v.Coupon, Now: now}, src)
	for _, id := range out.Inactive {
		if a, _, err := s.deps.Audiences.Get(ctx, id); err == nil {
			v.AudienceNotes = append(v.AudienceNotes, fmt.Sprintf("%q is not an active audience of this store view's website, so it matches nobody here.", a.Name))
		}
	}
	s.previewResults(ctx, &v, cart, out, sv.Currency)
	return render(c, http.StatusOK, pview.Page(v))
}

// bindPreviewCart reads the cart lines and the shipping amount from the form into v (as
// typed) and into the simulator's cart, adding a message to v.Errors for each that does not
// parse; wanted are the SKUs to look up in the catalog.
func bindPreviewCart(form url.Values, v *pview.View) (in preview.Cart, wanted []string) {
	skus, prices, qtys, cats := form["sku"], form["price"], form["qty"], form["categories"]
	for i := 0; i < previewLines; i++ {
		at := func(xs []string) string {
			if i < len(xs) {
				return validation.Clean(xs[i], 64)
			}
			return ""
		}
		l := pview.Line{SKU: at(skus), Price: at(prices), Qty: at(qtys), Categories: at(cats)}
		v.Lines = append(v.Lines, l)
		if l.SKU == "" && l.Price == "" && l.Qty == "" {
			continue
		}
		line := preview.Line{Row: i + 1, SKU: l.SKU}
		var err error
		if l.Price != "" {
			var price int64
			price, err = money.ParsePrice(l.Price)
			line.Price = &price
		}
		if err == nil {
			line.Qty, err = strconv.Atoi(strings.TrimSpace(l.Qty))
		}
		if err != nil || line.Qty < 1 || line.Qty > 10000 {
			v.Errors["lines"] = fmt.Sprintf("Line %d: enter a price such as 25.00 and a quantity of 1 or more.", i+1)
			continue
		}
		if strings.TrimSpace(l.Categories) != "" {
			line.CategoryIDs = []int64{}
			for _, cat := range strings.Split(l.Categories, ",") {
				if n, err := strconv.ParseInt(strings.TrimSpace(cat), 10, 64); err == nil {
					line.CategoryIDs = append(line.CategoryIDs, n)
				}
			}
		}
		in.Lines = append(in.Lines, line)
		if sku := strings.TrimSpace(l.SKU); sku != "" {
			wanted = append(wanted, sku)
		}
	}
	if v.Shipping != "" {
		if ship, err := money.ParsePrice(v.Shipping); err == nil {
			in.Shipping = &ship
		} else {
			v.Errors["shipping"] = "Enter an amount such as 5.00."
		}
	}
	return in, wanted
}

// previewResults shows the simulation's outcome in v: totals, each rule applied and each
// not with its reason (audiences named), each line's discounts, each placement's blocks.
func (s *Server) previewResults(ctx context.Context, v *pview.View, cart *pricerules.Cart, out preview.Outcome, cur string) {
	res := out.Result
	v.Ran = true
	v.Subtotal, v.Discount = money.Display(cur, res.Subtotal), money.Display(cur, res.Discount())
	v.ShippingTotal = money.Display(cur, res.Shipping-res.ShippingDiscount)
	v.GrandTotal = money.Display(cur, res.Subtotal+res.Shipping-res.Discount())
	v.FreeShipping = res.FreeShipping
	names := map[int64]string{}
	for _, r := range res.Applied {
		names[r.RuleID] = r.Name
		v.Applied = append(v.Applied, pview.RuleResult{Name: r.Name, Label: r.Label, Discount: money.Display(cur, r.Discount-r.ShippingDiscount),
			Shipping: "shipping " + money.Display(cur, r.ShippingDiscount), FreeShipping: r.FreeShipping, Href: fmt.Sprintf("/admin/price-rules/%d/edit", r.RuleID)})
	}
	namer := s.audienceNamer(ctx)
	for _, r := range res.NotApplied {
		// Reasons name audiences by id; people read their names.
		reason := audienceIDsRe.ReplaceAllStringFunc(r.Reason, func(m string) string {
			parts := audienceIDsRe.FindStringSubmatch(m)
			var names []string
			for _, id := range strings.Split(parts[2], ",") {
				names = append(names, namer(strings.TrimSpace(id)))
			}
			return "Real-Time CDP Audience " + parts[1] + " " + strings.Join(names, ", ")
		})
		v.NotApplied = append(v.NotApplied, pview.Skipped{Name: r.Name, Reason: reason, Href: fmt.Sprintf("/admin/price-rules/%d/edit", r.RuleID)})
	}
	for i, it := range res.Items {
		lr := pview.LineResult{SKU: cart.Items[i].SKU, RowTotal: money.Display(cur, cart.Items[i].RowTotal()), Discount: money.Display(cur, it.Discount)}
		for _, l := range it.Lines {
			lr.Details = append(lr.Details, fmt.Sprintf("%s: %s", names[l.RuleID], money.Display(cur, l.Amount)))
		}
		v.LineResults = append(v.LineResults, lr)
	}
	for _, p := range out.Placements {
		v.Blocks = append(v.Blocks, pview.BlockResult{Placement: p.Title, Location: p.Location, Shown: p.Shown, Omitted: p.Omitted})
	}
}
