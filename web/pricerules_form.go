package web

import (
	"context"
	"net/url"
	"strconv"
	"strings"

	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/validation"
	prview "audienceactivation/templates/pricerules"
)

// The two trees of the editor, by their form name prefix.
const (
	condRoot   = "c"
	actionRoot = "a"
	maxNodes   = 200
)

// parseTree reads a conditions tree from the flat form names the builder renders:
// "c.type", "c.aggregator", "c.0.type", "c.0.attribute", …
func parseTree(form url.Values, path string, depth int, count *int) pricerules.Condition {
	*count++
	c := pricerules.Condition{
		Kind: form.Get(path + ".type"), Aggregator: form.Get(path + ".aggregator"), Expect: form.Get(path+".expect") != "0",
		Attribute: form.Get(path + ".attribute"), Operator: form.Get(path + ".operator"), Value: strings.TrimSpace(form.Get(path + ".value")),
	}
	if c.Kind == pricerules.KindAudience {
		c.Values = form[path+".values"]
		if len(c.Values) > pricerules.MaxValues {
			c.Values = c.Values[:pricerules.MaxValues]
		}
	}
	if depth > 12 {
		return c
	}
	for i := 0; i < 100 && *count < maxNodes; i++ {
		child := path + "." + strconv.Itoa(i)
		if !form.Has(child + ".type") {
			break
		}
		c.Conditions = append(c.Conditions, parseTree(form, child, depth+1, count))
	}
	return c
}

// applyTreeOp carries out an "add:<path>" or "remove:<path>" button of the builder.
func applyTreeOp(op string, form url.Values, roots map[string]*pricerules.Condition) {
	verb, path, ok := strings.Cut(op, ":")
	if !ok {
		return
	}
	parts := strings.Split(path, ".")
	root := roots[parts[0]]
	if root == nil {
		return
	}
	// Walk to the parent of the target (remove) or the target (add).
	node := root
	steps := parts[1:]
	if verb == "remove" {
		if len(steps) == 0 {
			return
		}
		steps, last := steps[:len(steps)-1], steps[len(steps)-1]
		for _, s := range steps {
			i, err := strconv.Atoi(s)
			if err != nil || i < 0 || i >= len(node.Conditions) {
				return
			}
			node = &node.Conditions[i]
		}
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(node.Conditions) {
			return
		}
		node.Conditions = append(node.Conditions[:i], node.Conditions[i+1:]...)
		return
	}
	for _, s := range steps {
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(node.Conditions) {
			return
		}
		node = &node.Conditions[i]
	}
	if len(node.Conditions) >= 50 {
		return
	}
	if n, ok := newNode(form.Get("add:" + path)); ok {
		node.Conditions = append(node.Conditions, n)
	}
}

// newNode makes the node an "Add" select option names.
func newNode(opt string) (pricerules.Condition, bool) {
	kind, attr, _ := strings.Cut(opt, ":")
	switch kind {
	case "cart":
		ops := pricerules.OperatorsFor(pricerules.KindCart, attr)
		if len(ops) == 0 {
			return pricerules.Condition{}, false
		}
		return pricerules.Condition{Kind: pricerules.KindCart, Attribute: attr, Operator: ops[0]}, true
	case "product":
		ops := pricerules.OperatorsFor(pricerules.KindProduct, attr)
		if len(ops) == 0 {
			return pricerules.Condition{}, false
		}
		return pricerules.Condition{Kind: pricerules.KindProduct, Attribute: attr, Operator: ops[0]}, true
	case "audience":
		return pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf}, true
	case "found":
		return pricerules.Condition{Kind: pricerules.KindFound, Aggregator: "all", Expect: true}, true
	case "notfound":
		return pricerules.Condition{Kind: pricerules.KindFound, Aggregator: "all", Expect: false}, true
	case "subselect":
		return pricerules.Condition{Kind: pricerules.KindSubselect, Attribute: pricerules.AttrQty, Operator: pricerules.OpGTE, Aggregator: "all"}, true
	case "combine":
		return pricerules.Condition{Kind: pricerules.KindCombine, Aggregator: "all", Expect: true}, true
	}
	return pricerules.Condition{}, false
}

// ruleFromForm reads the editor's fields; number fields that do not parse are reported
// by field, and the rest of the rule is still read so nothing typed is lost.
func ruleFromForm(form url.Values, ve validation.Errors) pricerules.Rule {
	r := pricerules.Rule{Name: form.Get("name"), Description: form.Get("description"), Active: form.Get("is_active") == "1",
		CouponType: pricerules.CouponType(form.Get("coupon_type")), CouponCode: form.Get("coupon_code"),
		FromDate: form.Get("from_date"), ToDate: form.Get("to_date"), StopFurther: form.Get("stop_further") == "1",
		Action: pricerules.ActionType(form.Get("action")), ApplyToShipping: form.Get("apply_to_shipping") == "1",
		FreeShipping: pricerules.FreeShipping(form.Get("free_shipping")), DefaultLabel: strings.TrimSpace(form.Get("default_label")),
		Labels: map[int64]string{}}
	for _, v := range form["website_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			r.WebsiteIDs = append(r.WebsiteIDs, id)
		}
	}
	for _, v := range form["customer_group_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			r.CustomerGroupIDs = append(r.CustomerGroupIDs, id)
		}
	}
	intField := func(name string, dst *int) {
		v := strings.TrimSpace(form.Get(name))
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			ve.Add(name, "Enter a whole number.")
			return
		}
		*dst = n
	}
	intField("uses_per_coupon", &r.UsesPerCoupon)
	intField("uses_per_customer", &r.UsesPerCustomer)
	intField("priority", &r.Priority)
	intField("max_qty", &r.MaxQty)
	intField("step", &r.Step)
	if v, err := strconv.ParseInt(form.Get("version"), 10, 64); err == nil {
		r.Version = int(v)
	}
	if n, err := pricerules.ParseAmount(r.Action, form.Get("amount")); err != nil {
		ve.Add("amount", strings.ToUpper(err.Error()[:1])+err.Error()[1:]+".")
	} else {
		r.Amount = n
	}
	for k, vs := range form {
		if id, ok := strings.CutPrefix(k, "label_"); ok {
			if n, err := strconv.ParseInt(id, 10, 64); err == nil && len(vs) > 0 && strings.TrimSpace(vs[0]) != "" {
				r.Labels[n] = strings.TrimSpace(vs[0])
			}
		}
	}
	count := 0
	r.Conditions = parseTree(form, condRoot, 0, &count)
	r.ActionConditions = parseTree(form, actionRoot, 0, &count)
	r.Conditions.Kind, r.ActionConditions.Kind = pricerules.KindCombine, pricerules.KindCombine
	return r
}

// amountText shows a rule's amount as the editor's field does.
func amountText(r pricerules.Rule) string { return pricerules.FormatAmount(r.Action, r.Amount) }

var cartAddOptions, productAddOptions []prview.Option

func init() {
	for _, a := range pricerules.CartAttributes {
		cartAddOptions = append(cartAddOptions, prview.Option{Value: "cart:" + a.Code, Label: a.Label})
	}
	cartAddOptions = append(cartAddOptions,
		prview.Option{Value: "audience", Label: "Real-Time CDP Audience"},
		prview.Option{Value: "found", Label: "Product attribute combination (found)"},
		prview.Option{Value: "notfound", Label: "Product attribute combination (not found)"},
		prview.Option{Value: "subselect", Label: "Products subselection"},
		prview.Option{Value: "combine", Label: "Conditions combination"})
	for _, a := range pricerules.ProductAttributes {
		productAddOptions = append(productAddOptions, prview.Option{Value: "product:" + a.Code, Label: a.Label})
	}
	productAddOptions = append(productAddOptions, prview.Option{Value: "combine", Label: "Conditions combination"})
}

// treeView renders a tree for the builder, numbering paths from the root.
// chooserState is where a chooser of the editor stands: its page and search.
type chooserState struct {
	page   int
	search string
}

func (s *Server) treeView(ctx context.Context, c pricerules.Condition, path, action string, product, root bool, choosers map[string]chooserState) (prview.NodeView, error) {
	n := prview.NodeView{FormAction: action, Path: path, Kind: c.Kind, Aggregator: c.Aggregator, Expect: c.Expect, Attribute: c.Attribute,
		Operator: c.Operator, Value: c.Value, IsRoot: root}
	if n.Kind == "" {
		n.Kind = pricerules.KindCombine
	}
	if len(c.Values) > 0 && c.Kind != pricerules.KindAudience {
		n.Value = strings.Join(c.Values, ", ")
	}
	switch n.Kind {
	case pricerules.KindCombine:
		n.Container = true
		n.AddOptions = cartAddOptions
		if product {
			n.AddOptions = productAddOptions
		}
	case pricerules.KindFound, pricerules.KindSubselect:
		n.Container, product = true, true
		n.AddOptions = productAddOptions
	}
	kindForOps := n.Kind
	switch n.Kind {
	case pricerules.KindCart, pricerules.KindProduct, pricerules.KindSubselect, pricerules.KindAudience:
		for _, op := range pricerules.OperatorsFor(kindForOps, n.Attribute) {
			n.Operators = append(n.Operators, prview.Option{Value: op, Label: pricerules.OperatorLabels[op], Selected: op == n.Operator})
		}
		n.AttrLabel = attributeLabel(n.Kind, n.Attribute)
	}
	if n.Kind == pricerules.KindAudience {
		st := choosers[path+".values"]
		cv, err := s.chooserView(ctx, path+".values", st.search, st.page, c.Values)
		if err != nil {
			return n, err
		}
		cv.FormAction = action
		n.Chooser = &cv
	}
	for i, ch := range c.Conditions {
		cv, err := s.treeView(ctx, ch, path+"."+strconv.Itoa(i), action, product, false, choosers)
		if err != nil {
			return n, err
		}
		n.Children = append(n.Children, cv)
	}
	return n, nil
}

func attributeLabel(kind, attr string) string {
	list := pricerules.CartAttributes
	if kind == pricerules.KindProduct {
		list = pricerules.ProductAttributes
	}
	for _, a := range list {
		if a.Code == attr {
			return a.Label
		}
	}
	return attr
}
