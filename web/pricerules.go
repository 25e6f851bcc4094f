package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/auth"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
	"audienceactivation/internal/validation"
	"audienceactivation/templates/components"
	"audienceactivation/templates/layout"
	prview "audienceactivation/templates/pricerules"
)

// rulesGrid is Marketing › Cart Price Rules as the column chooser and the export see it;
// sort says which columns sort (the key is the list's sort key).
var rulesGridDef = registerGrid(&gridDef{name: "price-rules", base: "/admin/price-rules", perm: auth.PermRulesRead, file: "cart-price-rules",
	keys: []string{"q", "status", "website", "sort", "dir", "page"},
	columns: []gridColumn{{key: "id", label: "ID"}, {key: "name", label: "Rule", fixed: true}, {key: "coupon", label: "Coupon Code"},
		{key: "priority", label: "Priority"}, {key: "status", label: "Status"}, {key: "websites", label: "Websites"},
		{key: "from", label: "From"}, {key: "to", label: "To"}}})

// rulesFilter reads the rules grid's filters and sort from the query; website codes are
// turned into ids with websites.
func rulesFilter(q url.Values, websites []stores.Website) pricerules.ListFilter {
	f := pricerules.ListFilter{Search: validation.Clean(q.Get("q"), 255), Status: q.Get("status"), Sort: q.Get("sort"), Desc: q.Get("dir") == "desc"}
	if !pricerules.ValidRuleSort(f.Sort) {
		f.Sort, f.Desc = "id", false
	}
	for _, w := range websites {
		if w.Code == q.Get("website") {
			f.WebsiteID = w.ID
		}
	}
	return f
}

func (s *Server) rulesGrid(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, rulesGridDef)
	if err != nil {
		return err
	}
	q := g.q
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	f := rulesFilter(q, websites)
	f.Page, f.PerPage = pageParam(q), g.perPage
	v := prview.GridView{Base: s.base(c, "Cart Price Rules", layout.NavPriceRules), Search: f.Search, Status: f.Status, Website: q.Get("website")}
	for _, w := range websites {
		v.Websites = append(v.Websites, prview.Option{Value: w.Code, Label: w.Name, Selected: w.Code == v.Website})
	}
	rows, matched, total, err := s.deps.PriceRules.List(ctx, f)
	if err != nil {
		return err
	}
	for _, col := range rulesGridDef.columns {
		if !g.show(col.key) {
			continue
		}
		cv := prview.Column{Key: col.key, Label: col.label, Active: col.key == f.Sort, Desc: col.key == f.Sort && f.Desc}
		if pricerules.ValidRuleSort(col.key) {
			dir := ""
			if cv.Active && !f.Desc {
				dir = "desc"
			}
			cv.SortURL = g.link(map[string]string{"sort": col.key, "dir": dir, "page": ""})
		}
		v.Columns = append(v.Columns, cv)
	}
	for _, r := range rows {
		row := prview.Row{ID: r.ID, Name: r.Name, Coupon: r.CouponCode, Priority: strconv.Itoa(r.Priority), Active: r.Active,
			Status: "Inactive", Websites: strings.Join(r.Websites, ", "), From: r.FromDate, To: r.ToDate, EditURL: fmt.Sprintf("/admin/price-rules/%d/edit", r.ID)}
		if r.Active {
			row.Status = "Active"
		}
		if r.CouponType == string(pricerules.CouponAuto) {
			row.Coupon = "(generated)"
		}
		v.Rows = append(v.Rows, row)
	}
	v.Pager = g.pager(f.Page, matched, total, "rules")
	if f.Page > v.Pager.Pages() {
		return c.Redirect(http.StatusSeeOther, g.link(map[string]string{"page": strconv.Itoa(v.Pager.Pages())}))
	}
	v.Tools = g.tools(v.CSRF)
	return render(c, http.StatusOK, prview.Grid(v))
}

// rulesCSV exports the rules the grid's filters match (every page), in the grid's order.
func (s *Server) rulesCSV(c echo.Context) error {
	ctx := c.Request().Context()
	g, err := s.grid(c, rulesGridDef)
	if err != nil {
		return err
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	f := rulesFilter(g.q, websites)
	rules, n, err := exportRows(func(page, perPage int) ([]pricerules.ListRow, int64, error) {
		f.Page, f.PerPage = page, perPage
		rows, matched, _, err := s.deps.PriceRules.List(ctx, f)
		return rows, matched, err
	})
	if err != nil {
		return err
	}
	rows := make([]map[string]string, len(rules))
	for i, r := range rules {
		status, coupon := "Inactive", r.CouponCode
		if r.Active {
			status = "Active"
		}
		if r.CouponType == string(pricerules.CouponAuto) {
			coupon = "(generated)"
		}
		rows[i] = map[string]string{"id": strconv.FormatInt(r.ID, 10), "name": r.Name, "coupon": coupon, "priority": strconv.Itoa(r.Priority),
			"status": status, "websites": strings.Join(r.Websites, ", "), "from": r.FromDate, "to": r.ToDate}
	}
	return writeGridCSV(c, g, rows, n)
}

func (s *Server) ruleNew(c echo.Context) error {
	r := pricerules.Rule{Active: true, WebsiteIDs: []int64{}, CustomerGroupIDs: []int64{0, 1, 2, 3}, CouponType: pricerules.CouponNone,
		Action: pricerules.ByPercent, FreeShipping: pricerules.FreeShippingNo, Conditions: pricerules.All(), ActionConditions: pricerules.All()}
	if ws, err := s.deps.Stores.Websites(c.Request().Context()); err == nil && len(ws) == 1 {
		r.WebsiteIDs = []int64{ws[0].ID}
	}
	return s.ruleForm(c, http.StatusOK, r, ruleFormOpts{})
}

func (s *Server) ruleEdit(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := s.deps.PriceRules.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return s.ruleForm(c, http.StatusOK, r, ruleFormOpts{})
}

// ruleFormOpts is what a failed action adds to the editor.
type ruleFormOpts struct {
	errs     validation.Errors
	conflict bool
	typed    url.Values          // raw number fields, shown back when they did not parse
	coupons  *prview.CouponsView // the generator as typed, with its messages
	choosers map[string]chooserState
}

// ruleForm renders the editor for r.
func (s *Server) ruleForm(c echo.Context, status int, r pricerules.Rule, o ruleFormOpts) error {
	errs, conflict, typed := o.errs, o.conflict, o.typed
	if errs == nil {
		errs = validation.Errors{}
	}
	ctx := c.Request().Context()
	title, action := "New Cart Price Rule", "/admin/price-rules"
	if r.ID != 0 {
		title, action = "Edit Rule: "+r.Name, fmt.Sprintf("/admin/price-rules/%d", r.ID)
	}
	v := prview.EditView{Base: s.base(c, title, layout.NavPriceRules), ID: r.ID, Version: int64(r.Version), Action: action, DeleteURL: deleteURL("/admin/price-rules", r.ID),
		Name: r.Name, Description: r.Description, Active: r.Active, CouponType: string(r.CouponType), CouponCode: r.CouponCode,
		UsesPerCoupon: strconv.Itoa(r.UsesPerCoupon), UsesPerCustomer: strconv.Itoa(r.UsesPerCustomer), FromDate: r.FromDate, ToDate: r.ToDate,
		Priority: strconv.Itoa(r.Priority), StopFurther: r.StopFurther, ActionType: string(r.Action), Amount: amountText(r),
		MaxQty: strconv.Itoa(r.MaxQty), Step: strconv.Itoa(r.Step), ApplyToShipping: r.ApplyToShipping, FreeShipping: string(r.FreeShipping),
		DefaultLabel: r.DefaultLabel, Errors: errs, Conflict: conflict, ReloadURL: fmt.Sprintf("/admin/price-rules/%d/edit", r.ID)}
	v.ErrorLinks = ruleErrorLinks(errs)
	if v.CouponType == "" {
		v.CouponType = string(pricerules.CouponNone)
	}
	websites, err := s.deps.Stores.Websites(ctx)
	if err != nil {
		return err
	}
	for _, w := range websites {
		v.Websites = append(v.Websites, prview.Option{Value: strconv.FormatInt(w.ID, 10), Label: w.Name, Selected: containsID(r.WebsiteIDs, w.ID)})
	}
	groups, err := s.deps.Stores.CustomerGroups(ctx)
	if err != nil {
		return err
	}
	for _, g := range groups {
		v.Groups = append(v.Groups, prview.Option{Value: strconv.FormatInt(g.ID, 10), Label: g.Code, Selected: containsID(r.CustomerGroupIDs, g.ID)})
	}
	for _, a := range []struct {
		t pricerules.ActionType
		l string
	}{{pricerules.ByPercent, "Percent of product price discount"}, {pricerules.ByFixed, "Fixed amount discount"},
		{pricerules.CartFixed, "Fixed amount discount for whole cart"}, {pricerules.BuyXGetY, "Buy X get Y free (discount amount is Y)"}} {
		v.ActionTypes = append(v.ActionTypes, prview.Option{Value: string(a.t), Label: a.l, Selected: a.t == r.Action})
	}
	for _, f := range []struct {
		v pricerules.FreeShipping
		l string
	}{{pricerules.FreeShippingNo, "No"}, {pricerules.FreeShippingMatching, "For matching items only"}, {pricerules.FreeShippingWhole, "For shipment with matching items"}} {
		v.FreeShippingOpts = append(v.FreeShippingOpts, prview.Option{Value: string(f.v), Label: f.l, Selected: f.v == r.FreeShipping})
	}
	views, err := s.deps.Stores.StoreViews(ctx)
	if err != nil {
		return err
	}
	for _, sv := range views {
		v.Labels = append(v.Labels, prview.LabelView{StoreViewID: sv.ID, StoreView: "Label for " + sv.Name, Value: r.Labels[sv.ID]})
	}
	if v.Conditions, err = s.treeView(ctx, r.Conditions, condRoot, action, false, true, o.choosers); err != nil {
		return err
	}
	if v.ActionConditions, err = s.treeView(ctx, r.ActionConditions, actionRoot, action, true, true, o.choosers); err != nil {
		return err
	}
	// A tree that does not compile: say which condition, beside it, and link the banner
	// there rather than to the section's top.
	for _, t := range []struct {
		key     string
		node    *prview.NodeView
		tree    pricerules.Condition
		product bool
	}{{"conditions", &v.Conditions, r.Conditions, false}, {"action_conditions", &v.ActionConditions, r.ActionConditions, true}} {
		if errs[t.key] == "" {
			continue
		}
		if first := markLeafErrors(t.node, t.tree, t.product); first != "" {
			for i := range v.ErrorLinks {
				if v.ErrorLinks[i].Anchor == map[bool]string{false: "conditions", true: "actions"}[t.product] {
					v.ErrorLinks[i].Anchor = first
				}
			}
		}
	}
	v.ConditionsSentence = pricerules.DescribeWith(r.Conditions, s.audienceNamer(ctx))
	ids := append(pricerules.AudienceIDs(r.Conditions), pricerules.AudienceIDs(r.ActionConditions)...)
	if v.AudienceWarnings, err = s.audienceWarnings(ctx, ids, r.WebsiteIDs, websites); err != nil {
		return err
	}
	if r.ID != 0 && s.deps.Blocks != nil {
		blocks, err := s.deps.Blocks.Blocks(ctx)
		if err != nil {
			return err
		}
		for _, b := range blocks {
			if containsID(b.RuleIDs, r.ID) {
				v.RelatedBlocks = append(v.RelatedBlocks, prview.Link{Label: b.Name, Href: fmt.Sprintf("/admin/dynamic-blocks/%d/edit", b.ID)})
			}
		}
	}
	if r.ID != 0 && r.CouponType == pricerules.CouponAuto {
		start := prview.CouponsView{Qty: "10", Length: "12", Format: "alphanumeric", Dash: "4"}
		if o.coupons != nil {
			start = *o.coupons
		}
		cv, err := s.couponsView(ctx, r.ID, start)
		if err != nil {
			return err
		}
		v.Coupons = &cv
	}
	if typed != nil {
		for name, dst := range map[string]*string{"amount": &v.Amount, "max_qty": &v.MaxQty, "step": &v.Step, "priority": &v.Priority,
			"uses_per_coupon": &v.UsesPerCoupon, "uses_per_customer": &v.UsesPerCustomer} {
			if _, bad := errs[name]; bad {
				*dst = typed.Get(name)
			}
		}
	}
	return render(c, status, prview.Edit(v))
}

// audienceNamer names audience ids in sentences.
func (s *Server) audienceNamer(ctx context.Context) pricerules.AudienceNamer {
	return func(id string) string {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			return id
		}
		a, _, err := s.deps.Audiences.Get(ctx, n)
		if err != nil {
			return "audience " + id + " (unknown)"
		}
		return fmt.Sprintf("%q", a.Name)
	}
}

// audienceWarnings explains each audience in ids that can match nobody on the given
// websites (none given: any website): removed from the CDP, no longer activated, or
// activated only elsewhere.
func (s *Server) audienceWarnings(ctx context.Context, ids, websiteIDs []int64, websites []stores.Website) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	all, sites, err := s.deps.Audiences.All(ctx)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]audiences.Audience, len(all))
	for _, a := range all {
		byID[a.ID] = a
	}
	siteName := make(map[int64]string, len(websites))
	for _, w := range websites {
		siteName[w.ID] = w.Name
	}
	var out []string
	seen := map[int64]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, ok := byID[id]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("Audience %d is not known to this store.", id))
		case a.Status != audiences.StatusActive:
			out = append(out, fmt.Sprintf("%q: %s.", a.Name, audiences.StatusLabels[a.Status]))
		case len(websiteIDs) > 0 && !slices.ContainsFunc(sites[id], func(w int64) bool { return containsID(websiteIDs, w) }):
			var names []string
			for _, w := range sites[id] {
				names = append(names, siteName[w])
			}
			where := "no website"
			if len(names) > 0 {
				where = strings.Join(names, ", ")
			}
			out = append(out, fmt.Sprintf("%q is activated to %s, none of this rule's websites.", a.Name, where))
		}
	}
	return out, nil
}

func containsID(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func (s *Server) ruleCreate(c echo.Context) error { return s.ruleSave(c, 0) }

func (s *Server) ruleUpdate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	return s.ruleSave(c, id)
}

// ruleSave saves the editor, or carries out a tree-builder button and shows the form again.
func (s *Server) ruleSave(c echo.Context, id int64) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "bad form")
	}
	ve := validation.Errors{}
	r := ruleFromForm(form, ve)
	r.ID = id
	// Builder and chooser buttons show the form again, changed, without saving; what was
	// typed (even what does not parse yet) stays.
	if op := form.Get("tree_op"); op != "" {
		applyTreeOp(op, form, map[string]*pricerules.Condition{condRoot: &r.Conditions, actionRoot: &r.ActionConditions})
		return s.ruleForm(c, http.StatusOK, r, ruleFormOpts{errs: ve, typed: form})
	}
	if field, page, ok := strings.Cut(form.Get("chooser_goto"), ":"); ok || form.Get("chooser_search") != "" {
		if !ok {
			field, page = form.Get("chooser_search"), "1"
		}
		n, _ := strconv.Atoi(page)
		st := map[string]chooserState{field: {page: n, search: validation.Clean(form.Get("chooser_q:"+field), 255)}}
		return s.ruleForm(c, http.StatusOK, r, ruleFormOpts{errs: ve, typed: form, choosers: st})
	}
	if len(ve) > 0 {
		for k, msg := range pricerules.Validate(&r) {
			ve.Add(k, msg)
		}
		return s.ruleForm(c, http.StatusUnprocessableEntity, r, ruleFormOpts{errs: ve, typed: form})
	}
	saved, err := s.deps.PriceRules.Save(c.Request().Context(), actor(c), r)
	switch {
	case errors.As(err, &ve):
		return s.ruleForm(c, http.StatusUnprocessableEntity, r, ruleFormOpts{errs: ve})
	case errors.Is(err, pricerules.ErrConflict):
		return s.ruleForm(c, http.StatusConflict, r, ruleFormOpts{conflict: true, typed: form})
	case err != nil:
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/admin/price-rules/%d/edit", saved.ID), flashSuccess, fmt.Sprintf("You saved the rule %q.", saved.Name))
}

// rulesMass activates, deactivates or deletes the selected rules.
func (s *Server) rulesMass(c echo.Context) error {
	return s.massAction(c, massGrid{base: "/admin/price-rules", noun: "rule", on: "activate", off: "deactivate",
		setOn: s.deps.PriceRules.SetActive, remove: s.deps.PriceRules.Delete})
}

func (s *Server) ruleDuplicate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	r, err := s.deps.PriceRules.Duplicate(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, fmt.Sprintf("/admin/price-rules/%d/edit", r.ID), flashSuccess, fmt.Sprintf("You duplicated the rule as %q (inactive).", r.Name))
}

const couponsShown = 100

func (s *Server) couponsView(ctx context.Context, ruleID int64, cv prview.CouponsView) (prview.CouponsView, error) {
	rows, total, err := s.deps.PriceRules.Coupons(ctx, ruleID, 1, couponsShown)
	if err != nil {
		return cv, err
	}
	cv.RuleID, cv.Total, cv.Shown = ruleID, total, len(rows)
	for _, r := range rows {
		used := "No"
		if r.TimesUsed > 0 {
			used = "Yes"
		}
		cv.Rows = append(cv.Rows, prview.CouponRow{ID: r.ID, Code: r.Code, Used: used, TimesUsed: strconv.Itoa(r.TimesUsed), Created: formatTime(r.CreatedAt)})
	}
	return cv, nil
}

// couponsGenerate runs the coupon generator of an Auto-coupon rule.
func (s *Server) couponsGenerate(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	spec := pricerules.GenerateSpec{Format: c.FormValue("format"), Prefix: strings.TrimSpace(c.FormValue("prefix")), Suffix: strings.TrimSpace(c.FormValue("suffix"))}
	ve := validation.Errors{}
	for name, dst := range map[string]*int{"qty": &spec.Qty, "length": &spec.Length, "dash_every": &spec.DashEvery} {
		v := strings.TrimSpace(c.FormValue(name))
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			ve.Add(name, "Enter a whole number.")
		}
		*dst = n
	}
	if len(ve) == 0 {
		var n int
		n, err = s.deps.PriceRules.GenerateCoupons(c.Request().Context(), actor(c), id, spec)
		switch {
		case err == nil:
			return s.redirectWithFlash(c, fmt.Sprintf("/admin/price-rules/%d/edit#coupons", id), flashSuccess, fmt.Sprintf("%d coupon code(s) generated.", n))
		case errors.Is(err, pricerules.ErrNotAutoCoupon):
			return s.redirectWithFlash(c, fmt.Sprintf("/admin/price-rules/%d/edit", id), flashError, "Set the coupon to Auto and save the rule before generating codes.")
		case !errors.As(err, &ve):
			return err
		}
	}
	r, err := s.deps.PriceRules.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	// Show the rule with the generator's messages and what was typed.
	return s.ruleForm(c, http.StatusUnprocessableEntity, r, ruleFormOpts{coupons: &prview.CouponsView{Qty: c.FormValue("qty"),
		Length: c.FormValue("length"), Format: spec.Format, Prefix: spec.Prefix, Suffix: spec.Suffix, Dash: c.FormValue("dash_every"), Errors: ve}})
}

func (s *Server) couponsDelete(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	var ids []int64
	for _, v := range form["ids"] {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			ids = append(ids, n)
		}
	}
	target := fmt.Sprintf("/admin/price-rules/%d/edit#coupons", id)
	if len(ids) == 0 || form.Get("confirm") != "1" {
		return s.redirectWithFlash(c, target, flashError, "Nothing was deleted: select codes and tick \"I confirm\".")
	}
	n, err := s.deps.PriceRules.DeleteCoupons(c.Request().Context(), actor(c), id, ids)
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, target, flashSuccess, fmt.Sprintf("%d coupon code(s) deleted.", n))
}

func (s *Server) couponsCSV(c echo.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if _, err := s.deps.PriceRules.Get(c.Request().Context(), id); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="rule-%d-coupons.csv"`, id))
	c.Response().WriteHeader(http.StatusOK)
	return s.deps.PriceRules.ExportCouponsCSV(c.Request().Context(), id, c.Response())
}

func (s *Server) rulesTransfer(c echo.Context) error {
	return s.renderTransfer(c, http.StatusOK, nil, "")
}

func (s *Server) renderTransfer(c echo.Context, status int, problems []string, pasted string) error {
	_, _, total, err := s.deps.PriceRules.List(c.Request().Context(), pricerules.ListFilter{PerPage: 1})
	if err != nil {
		return err
	}
	return render(c, status, prview.Transfer(prview.TransferView{Base: s.base(c, "Import / Export Cart Price Rules", layout.NavPriceRules),
		Problems: problems, Pasted: pasted, Count: total}))
}

func (s *Server) rulesExport(c echo.Context) error {
	b, err := s.deps.PriceRules.Export(c.Request().Context(), s.deps.RuleDirectory)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="price-rules.json"`)
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
}

func (s *Server) rulesImport(c echo.Context) error {
	var data []byte
	if fh, err := c.FormFile("rules_file"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err != nil {
			return err
		}
		defer f.Close()
		if data, err = io.ReadAll(io.LimitReader(f, pricerules.MaxImportSize+1)); err != nil {
			return err
		}
	} else {
		data = []byte(c.FormValue("rules_json"))
	}
	if strings.TrimSpace(string(data)) == "" {
		return s.renderTransfer(c, http.StatusUnprocessableEntity, []string{"choose the rules file, or paste its contents"}, "")
	}
	res, err := s.deps.PriceRules.Import(c.Request().Context(), actor(c), s.deps.RuleDirectory, data)
	var ie *pricerules.ImportError
	if errors.As(err, &ie) {
		return s.renderTransfer(c, http.StatusUnprocessableEntity, ie.Problems, c.FormValue("rules_json"))
	} else if err != nil {
		return err
	}
	return s.redirectWithFlash(c, "/admin/price-rules", flashSuccess, fmt.Sprintf("Rules imported: %d added, %d updated (matched by their code).", res.Added, res.Updated))
}

// ruleFields are the editor's fields in page order, with the words its error banner uses
// to link to them.
var ruleFields = []struct{ key, label string }{
	{"name", "Rule name"}, {"code", "Rule code"}, {"description", "Description"}, {"website_ids", "Websites"},
	{"customer_group_ids", "Customer groups"}, {"coupon_type", "Coupon"}, {"coupon_code", "Coupon code"},
	{"uses_per_coupon", "Uses per coupon"}, {"uses_per_customer", "Uses per customer"}, {"from_date", "From"},
	{"to_date", "To"}, {"priority", "Priority"}, {"conditions", "Conditions"}, {"action", "Apply"},
	{"amount", "Discount amount"}, {"max_qty", "Maximum qty discount is applied to"}, {"step", "Discount qty step"},
	{"free_shipping", "Free shipping"}, {"action_conditions", "Apply the rule only to cart items matching"},
	{"default_label", "Default label"}, {"labels", "Labels"},
}

// ruleErrorLinks lists the fields with a problem, in page order, for the error banner.
func ruleErrorLinks(errs map[string]string) []components.ErrorLink {
	var out []components.ErrorLink
	seen := map[string]bool{}
	for _, f := range ruleFields {
		if errs[f.key] != "" {
			anchor := f.key
			if f.key == "action_conditions" {
				anchor = "actions"
			}
			out = append(out, components.ErrorLink{Label: f.label, Anchor: anchor})
			seen[f.key] = true
		}
	}
	for k := range errs { // anything else still says that something is wrong
		if !seen[k] && errs[k] != "" {
			out = append(out, components.ErrorLink{Label: k, Anchor: "rule-form"})
		}
	}
	return out
}

// markLeafErrors puts each condition's own problem beside it (a leaf that does not compile
// alone) and returns the element id of the first, for the error banner's link.
func markLeafErrors(n *prview.NodeView, c pricerules.Condition, product bool) string {
	first := ""
	if len(c.Conditions) == 0 && c.Kind != pricerules.KindCombine {
		if err := pricerules.ValidateConditions(pricerules.All(c), product || c.Kind == pricerules.KindProduct); err != nil {
			n.Error = strings.TrimPrefix(err.Error(), pricerules.ErrInvalidCondition.Error()+": ")
			return n.Anchor()
		}
		return ""
	}
	inner := product || c.Kind == pricerules.KindFound || c.Kind == pricerules.KindSubselect
	for i := range n.Children {
		if i < len(c.Conditions) {
			if id := markLeafErrors(&n.Children[i], c.Conditions[i], inner); id != "" && first == "" {
				first = id
			}
		}
	}
	return first
}
