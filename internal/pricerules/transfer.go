package pricerules

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Directory translates the references a rule holds into ones that travel between stores:
// website and store view codes, and audiences' CDP ids.
type Directory interface {
	WebsiteIDs(ctx context.Context) (map[string]int64, error)   // code → id
	StoreViewIDs(ctx context.Context) (map[string]int64, error) // code → id
	AudienceLocalIDs(ctx context.Context, cdpIDs []string) (map[string]int64, error)
	AudienceCDPIDs(ctx context.Context, ids []int64) (map[int64]string, error)
}

// ExportFormat names the JSON file format of Export and Import.
const ExportFormat = "audience-activation/price-rules"

// exported is a rule in the file. The discount amount is written as merchants type it: a
// percent ("10"), money ("5.00"), or the free items of buy X get Y ("1").
type exported struct {
	Name             string            `json:"name"`
	Description      string            `json:"description,omitempty"`
	Active           bool              `json:"active"`
	Websites         []string          `json:"websites"`
	CustomerGroups   []int64           `json:"customer_groups"`
	CouponType       CouponType        `json:"coupon_type"`
	CouponCode       string            `json:"coupon_code,omitempty"`
	UsesPerCoupon    int               `json:"uses_per_coupon,omitempty"`
	UsesPerCustomer  int               `json:"uses_per_customer,omitempty"`
	FromDate         string            `json:"from_date,omitempty"`
	ToDate           string            `json:"to_date,omitempty"`
	Priority         int               `json:"priority"`
	StopFurther      bool              `json:"stop_further,omitempty"`
	Conditions       Condition         `json:"conditions"`
	ActionConditions Condition         `json:"action_conditions"`
	Action           ActionType        `json:"action"`
	DiscountAmount   string            `json:"discount_amount"`
	MaxQty           int               `json:"max_qty,omitempty"`
	Step             int               `json:"step,omitempty"`
	ApplyToShipping  bool              `json:"apply_to_shipping,omitempty"`
	FreeShipping     FreeShipping      `json:"free_shipping"`
	DefaultLabel     string            `json:"default_label,omitempty"`
	Labels           map[string]string `json:"labels,omitempty"` // store view code → label
}

type exportFile struct {
	Format  string     `json:"format"`
	Version int        `json:"version"`
	Rules   []exported `json:"rules"`
}

// mapAudiences rewrites the audience values of a tree with f.
func mapAudiences(c Condition, f func(string) (string, error)) (Condition, error) {
	if c.Kind == KindAudience {
		vals := make([]string, len(c.Values))
		for i, v := range c.Values {
			m, err := f(v)
			if err != nil {
				return c, err
			}
			vals[i] = m
		}
		c.Values = vals
	}
	kids := make([]Condition, len(c.Conditions))
	for i, ch := range c.Conditions {
		m, err := mapAudiences(ch, f)
		if err != nil {
			return c, err
		}
		kids[i] = m
	}
	if c.Conditions != nil {
		c.Conditions = kids
	}
	return c, nil
}

func audienceValues(c Condition) []string {
	var out []string
	var walk func(Condition)
	walk = func(c Condition) {
		if c.Kind == KindAudience {
			out = append(out, c.Values...)
		}
		for _, ch := range c.Conditions {
			walk(ch)
		}
	}
	walk(c)
	return out
}

// Export writes every rule as JSON, with portable references.
func (s *Service) Export(ctx context.Context, dir Directory) ([]byte, error) {
	rules, _, err := s.All(ctx)
	if err != nil {
		return nil, err
	}
	sites, err := dir.WebsiteIDs(ctx)
	if err != nil {
		return nil, err
	}
	views, err := dir.StoreViewIDs(ctx)
	if err != nil {
		return nil, err
	}
	siteCode, viewCode := invert(sites), invert(views)
	var ids []int64
	for _, r := range rules {
		for _, v := range audienceValues(r.Conditions) {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				ids = append(ids, n)
			}
		}
	}
	cdp, err := dir.AudienceCDPIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	f := exportFile{Format: ExportFormat, Version: 1, Rules: []exported{}}
	for _, r := range rules {
		e := exported{Name: r.Name, Description: r.Description, Active: r.Active, CustomerGroups: r.CustomerGroupIDs,
			CouponType: r.CouponType, CouponCode: r.CouponCode, UsesPerCoupon: r.UsesPerCoupon, UsesPerCustomer: r.UsesPerCustomer,
			FromDate: r.FromDate, ToDate: r.ToDate, Priority: r.Priority, StopFurther: r.StopFurther, ActionConditions: r.ActionConditions,
			Action: r.Action, DiscountAmount: FormatAmount(r.Action, r.Amount), MaxQty: r.MaxQty, Step: r.Step, ApplyToShipping: r.ApplyToShipping,
			FreeShipping: r.FreeShipping, DefaultLabel: r.DefaultLabel, Labels: map[string]string{}}
		for _, w := range r.WebsiteIDs {
			e.Websites = append(e.Websites, siteCode[w])
		}
		for sv, l := range r.Labels {
			e.Labels[viewCode[sv]] = l
		}
		e.Conditions, err = mapAudiences(r.Conditions, func(v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			if id, ok := cdp[n]; ok {
				return id, nil
			}
			return "", fmt.Errorf("rule %q names audience %s, which is not in this store", r.Name, v)
		})
		if err != nil {
			return nil, err
		}
		f.Rules = append(f.Rules, e)
	}
	return json.MarshalIndent(f, "", "  ")
}

func invert(m map[string]int64) map[int64]string {
	out := make(map[int64]string, len(m))
	for k, v := range m {
		out[v] = k
	}
	return out
}

// ImportError lists every problem found in a file; nothing was imported.
type ImportError struct{ Problems []string }

func (e *ImportError) Error() string {
	return "nothing was imported: " + strings.Join(e.Problems, "; ")
}

// MaxImportSize bounds an import file.
const MaxImportSize = 8 << 20

// Import reads a file written by Export and creates its rules. Everything is checked
// first — the format, every website, store view and audience reference (audiences by CDP
// id), every rule's fields — and then all rules are written in one transaction, or none.
func (s *Service) Import(ctx context.Context, actor audit.Actor, dir Directory, data []byte) (int, error) {
	if len(data) > MaxImportSize {
		return 0, &ImportError{[]string{"the file is larger than 8 MiB"}}
	}
	var f exportFile
	if err := json.Unmarshal(data, &f); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return 0, &ImportError{[]string{fmt.Sprintf("the file is not valid JSON (near byte %d)", se.Offset)}}
		case errors.As(err, &te):
			return 0, &ImportError{[]string{fmt.Sprintf("the field %q should be a %s, not a %s", te.Field, te.Type.Kind(), te.Value)}}
		}
		return 0, &ImportError{[]string{"the file is not a price rules export"}}
	}
	if f.Format != ExportFormat || f.Version != 1 {
		return 0, &ImportError{[]string{fmt.Sprintf("this is not a price rules export (format %q, version %d)", f.Format, f.Version)}}
	}
	if len(f.Rules) == 0 {
		return 0, &ImportError{[]string{"the file has no rules"}}
	}
	sites, err := dir.WebsiteIDs(ctx)
	if err != nil {
		return 0, err
	}
	views, err := dir.StoreViewIDs(ctx)
	if err != nil {
		return 0, err
	}
	var cdpIDs []string
	for _, e := range f.Rules {
		cdpIDs = append(cdpIDs, audienceValues(e.Conditions)...)
	}
	local, err := dir.AudienceLocalIDs(ctx, cdpIDs)
	if err != nil {
		return 0, err
	}
	var problems []string
	rules := make([]Rule, 0, len(f.Rules))
	codes := map[string]int{}
	for i, e := range f.Rules {
		where := fmt.Sprintf("rule %d (%q)", i+1, e.Name)
		r := Rule{Name: e.Name, Description: e.Description, Active: e.Active, CustomerGroupIDs: e.CustomerGroups, CouponType: e.CouponType,
			CouponCode: e.CouponCode, UsesPerCoupon: e.UsesPerCoupon, UsesPerCustomer: e.UsesPerCustomer, FromDate: e.FromDate,
			ToDate: e.ToDate, Priority: e.Priority, StopFurther: e.StopFurther, ActionConditions: e.ActionConditions, Action: e.Action,
			MaxQty: e.MaxQty, Step: e.Step, ApplyToShipping: e.ApplyToShipping, FreeShipping: e.FreeShipping,
			DefaultLabel: e.DefaultLabel, Labels: map[int64]string{}}
		if n, err := ParseAmount(e.Action, e.DiscountAmount); err != nil {
			problems = append(problems, fmt.Sprintf("%s: discount_amount: %v", where, err))
		} else {
			r.Amount = n
		}
		for _, code := range e.Websites {
			id, ok := sites[code]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: website %q does not exist here", where, code))
				continue
			}
			r.WebsiteIDs = append(r.WebsiteIDs, id)
		}
		for code, l := range e.Labels {
			id, ok := views[code]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s: store view %q does not exist here", where, code))
				continue
			}
			r.Labels[id] = l
		}
		r.Conditions, err = mapAudiences(e.Conditions, func(v string) (string, error) {
			// Keys are ids as the audiences store writes them: UUIDs lower case, other
			// ids as Adobe sent them.
			id, ok := local[v]
			if !ok {
				id, ok = local[strings.ToLower(v)]
			}
			if !ok {
				return "", fmt.Errorf("%s: audience %s is not in this store (sync audiences first)", where, v)
			}
			return strconv.FormatInt(id, 10), nil
		})
		if err != nil {
			problems = append(problems, err.Error())
		}
		if r.CouponType == CouponSpecific {
			key := strings.ToLower(r.CouponCode)
			if j, dup := codes[key]; dup {
				problems = append(problems, fmt.Sprintf("%s: coupon code %q is also used by rule %d of the file", where, r.CouponCode, j))
			}
			codes[key] = i + 1
		}
		ve := Validate(&r)
		keys := make([]string, 0, len(ve))
		for k := range ve {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			problems = append(problems, fmt.Sprintf("%s: %s: %s", where, k, ve[k]))
		}
		rules = append(rules, r)
	}
	if len(problems) > 0 {
		return 0, &ImportError{problems}
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		for i := range rules {
			if err := s.saveTx(ctx, tx, actor, &rules[i], nil); err != nil {
				var ve validation.Errors
				if errors.As(err, &ve) {
					return &ImportError{[]string{fmt.Sprintf("rule %d (%q): %v", i+1, rules[i].Name, err)}}
				}
				return err
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionRuleImport, "price_rule", "", fmt.Sprintf("%d cart price rule(s) imported", len(rules)), nil, nil)
	})
	if err != nil {
		return 0, err
	}
	s.changed()
	return len(rules), nil
}
