package pricerules

import (
	"bytes"
	"context"
	_ "embed" // the rules file's JSON Schema
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"gorm.io/gorm"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/validation"
)

// Directory translates the references a rule holds into ones that travel between stores:
// website and store view codes, and audiences' CDP ids. The stores and audiences services
// answer these (cmd/admin wires their methods in).
type Directory struct {
	WebsiteIDs       func(ctx context.Context) (map[string]int64, error) // code → id
	StoreViewIDs     func(ctx context.Context) (map[string]int64, error) // code → id
	AudienceLocalIDs func(ctx context.Context, cdpIDs []string) (map[string]int64, error)
	AudienceCDPIDs   func(ctx context.Context, ids []int64) (map[int64]string, error)
}

// ExportFormat names the JSON file format of Export and Import.
const ExportFormat = "audience-activation/price-rules"

// exported is a rule in the file (rules.schema.json describes it for people and tools).
// The discount amount is written as merchants type it: a percent ("10"), money ("5.00"),
// or the free items of buy X get Y ("1").
type exported struct {
	Code             string            `json:"code,omitempty"`
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
	Conditions       *fileCondition    `json:"conditions,omitempty"`
	ActionConditions *fileCondition    `json:"action_conditions,omitempty"`
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

// fileCondition is a conditions tree node in a file. Unlike the stored form, "expect" may
// be absent: a combine without it means TRUE and a found FOUND, as the editor starts them.
type fileCondition struct {
	Kind       string          `json:"type"`
	Aggregator string          `json:"aggregator,omitempty"`
	Expect     *bool           `json:"expect,omitempty"`
	Attribute  string          `json:"attribute,omitempty"`
	Operator   string          `json:"operator,omitempty"`
	Value      string          `json:"value,omitempty"`
	Values     []string        `json:"values,omitempty"`
	Conditions []fileCondition `json:"conditions,omitempty"`
}

// toFile writes a tree for a file, with "expect" explicit where it means something.
func toFile(c Condition) *fileCondition {
	f := &fileCondition{Kind: c.Kind, Aggregator: c.Aggregator, Attribute: c.Attribute, Operator: c.Operator, Value: c.Value, Values: c.Values}
	if c.Kind == KindCombine || c.Kind == KindFound || c.Kind == "" {
		e := c.Expect
		f.Expect = &e
	}
	for _, ch := range c.Conditions {
		f.Conditions = append(f.Conditions, *toFile(ch))
	}
	return f
}

// fromFile reads a tree of a file; an absent tree is "every cart" (or every item).
func fromFile(f *fileCondition) Condition {
	if f == nil {
		return All()
	}
	c := Condition{Kind: f.Kind, Aggregator: f.Aggregator, Attribute: f.Attribute, Operator: f.Operator, Value: f.Value, Values: f.Values}
	c.Expect = f.Expect == nil || *f.Expect
	for i := range f.Conditions {
		c.Conditions = append(c.Conditions, fromFile(&f.Conditions[i]))
	}
	return c
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
	f := exportFile{Format: ExportFormat, Version: 2, Rules: []exported{}}
	for _, r := range rules {
		e := exported{Code: r.Code, Name: r.Name, Description: r.Description, Active: r.Active, CustomerGroups: r.CustomerGroupIDs,
			CouponType: r.CouponType, CouponCode: r.CouponCode, UsesPerCoupon: r.UsesPerCoupon, UsesPerCustomer: r.UsesPerCustomer,
			FromDate: r.FromDate, ToDate: r.ToDate, Priority: r.Priority, StopFurther: r.StopFurther, ActionConditions: toFile(r.ActionConditions),
			Action: r.Action, DiscountAmount: FormatAmount(r.Action, r.Amount), MaxQty: r.MaxQty, Step: r.Step, ApplyToShipping: r.ApplyToShipping,
			FreeShipping: r.FreeShipping, DefaultLabel: r.DefaultLabel, Labels: map[string]string{}}
		for _, w := range r.WebsiteIDs {
			e.Websites = append(e.Websites, siteCode[w])
		}
		for sv, l := range r.Labels {
			e.Labels[viewCode[sv]] = l
		}
		conds, err := mapAudiences(r.Conditions, func(v string) (string, error) {
			n, _ := strconv.ParseInt(v, 10, 64)
			if id, ok := cdp[n]; ok {
				return id, nil
			}
			return "", fmt.Errorf("rule %q names audience %s, which is not in this store", r.Name, v)
		})
		if err != nil {
			return nil, err
		}
		e.Conditions = toFile(conds)
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

// ImportResult says what an import did.
type ImportResult struct {
	Added, Updated int
}

// MaxImportSize bounds an import file.
const MaxImportSize = 8 << 20

//go:embed rules.schema.json
var fileSchemaJSON []byte

// FileSchema is the JSON Schema of a rules file (`admin pricerules schema` prints it).
func FileSchema() []byte { return fileSchemaJSON }

var fileSchema = sync.OnceValue(func() *jsonschema.Schema {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(fileSchemaJSON))
	if err != nil {
		panic(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("rules.schema.json", doc); err != nil {
		panic(err)
	}
	return c.MustCompile("rules.schema.json")
})

// fieldForms says in words what form a field's value takes, for pattern mismatches.
var fieldForms = map[string]string{
	"discount_amount": "an amount written with digits, such as \"10\", \"5.00\" or \"1\"",
	"code":            "a rule code: lowercase letters, digits, - and _, such as \"summer-sale\"",
	"from_date":       "a date such as \"2026-11-27\"",
	"to_date":         "a date such as \"2026-11-27\"",
}

// fileFieldNames maps the editor's field keys that Validate reports to the file's names.
var fileFieldNames = map[string]string{"website_ids": "websites", "customer_group_ids": "customer_groups", "amount": "discount_amount"}

// schemaProblems checks data against the file's schema and words each problem with its
// place in the file, such as `rules[2].conditions.conditions[0]: unknown field "valuez"`.
func schemaProblems(doc any) []string {
	err := fileSchema().Validate(doc)
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return nil
	}
	p := message.NewPrinter(language.English)
	var out []string
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c)
			}
			return
		}
		where := "the file"
		if len(e.InstanceLocation) > 0 {
			var b strings.Builder
			for _, seg := range e.InstanceLocation {
				if _, err := strconv.Atoi(seg); err == nil {
					b.WriteString("[" + seg + "]")
					continue
				}
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(seg)
			}
			where = b.String()
		}
		msg := e.ErrorKind.LocalizedString(p)
		switch k := e.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			msg = "unknown field " + strings.Join(quoteAll(k.Properties), ", ")
		case *kind.Pattern:
			// The schema's pattern says nothing to a person: the field's form does.
			field := ""
			if len(e.InstanceLocation) > 0 {
				field = e.InstanceLocation[len(e.InstanceLocation)-1]
			}
			if hint, ok := fieldForms[field]; ok {
				msg = fmt.Sprintf("%q is not %s", fmt.Sprint(k.Got), hint)
			}
		}
		out = append(out, where+": "+msg)
	}
	walk(ve)
	sort.Strings(out)
	if len(out) > 50 {
		out = append(out[:50], fmt.Sprintf("… and %d more", len(out)-50))
	}
	return out
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strconv.Quote(s)
	}
	return out
}

// Import reads a rules file (written by Export, or by hand after rules.schema.json) and
// writes its rules: a rule whose code the store has is updated, any other is added.
// Everything is checked first — the file's shape against its schema (unknown fields are
// refused with their place), every website, store view and audience reference (audiences
// by CDP id), every rule's fields — and then all rules are written in one transaction, or
// none.
func (s *Service) Import(ctx context.Context, actor audit.Actor, dir Directory, data []byte) (ImportResult, error) {
	var res ImportResult
	if len(data) > MaxImportSize {
		return res, &ImportError{[]string{"the file is larger than 8 MiB"}}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return res, &ImportError{[]string{fmt.Sprintf("the file is not valid JSON (near byte %d)", se.Offset)}}
		}
		return res, &ImportError{[]string{"the file is not valid JSON"}}
	}
	if m, ok := doc.(map[string]any); !ok || m["format"] != ExportFormat {
		return res, &ImportError{[]string{fmt.Sprintf("this is not a price rules file (its \"format\" must be %q)", ExportFormat)}}
	}
	if problems := schemaProblems(doc); len(problems) > 0 {
		return res, &ImportError{problems}
	}
	var f exportFile
	if err := json.Unmarshal(data, &f); err != nil {
		return res, &ImportError{[]string{"the file could not be read: " + err.Error()}}
	}
	sites, err := dir.WebsiteIDs(ctx)
	if err != nil {
		return res, err
	}
	views, err := dir.StoreViewIDs(ctx)
	if err != nil {
		return res, err
	}
	var cdpIDs []string
	for _, e := range f.Rules {
		if e.Conditions != nil {
			cdpIDs = append(cdpIDs, audienceValues(fromFile(e.Conditions))...)
		}
	}
	local, err := dir.AudienceLocalIDs(ctx, cdpIDs)
	if err != nil {
		return res, err
	}
	// Rules the store has, by code: those the file names are updated.
	existing := map[string]Rule{}
	if all, _, err := s.All(ctx); err != nil {
		return res, err
	} else {
		for _, r := range all {
			if r.Code != "" {
				existing[r.Code] = r
			}
		}
	}
	var problems []string
	rules := make([]Rule, 0, len(f.Rules))
	codes := map[string]int{}
	ruleCodes := map[string]int{}
	for i, e := range f.Rules {
		where := fmt.Sprintf("rules[%d] (%q)", i, e.Name)
		r := Rule{Code: e.Code, Name: e.Name, Description: e.Description, Active: e.Active, CustomerGroupIDs: e.CustomerGroups, CouponType: e.CouponType,
			CouponCode: e.CouponCode, UsesPerCoupon: e.UsesPerCoupon, UsesPerCustomer: e.UsesPerCustomer, FromDate: e.FromDate,
			ToDate: e.ToDate, Priority: e.Priority, StopFurther: e.StopFurther, ActionConditions: fromFile(e.ActionConditions), Action: e.Action,
			MaxQty: e.MaxQty, Step: e.Step, ApplyToShipping: e.ApplyToShipping, FreeShipping: e.FreeShipping,
			DefaultLabel: e.DefaultLabel, Labels: map[int64]string{}}
		if r.FreeShipping == "" {
			r.FreeShipping = FreeShippingNo
		}
		if old, ok := existing[e.Code]; ok && e.Code != "" {
			r.ID, r.Version, r.TimesUsed = old.ID, old.Version, old.TimesUsed
		}
		if e.Code != "" {
			if j, dup := ruleCodes[e.Code]; dup {
				problems = append(problems, fmt.Sprintf("%s.code: %q is also the code of rules[%d]", where, e.Code, j))
			}
			ruleCodes[e.Code] = i
		}
		if n, err := ParseAmount(e.Action, e.DiscountAmount); err != nil {
			problems = append(problems, fmt.Sprintf("%s.discount_amount: %v", where, err))
		} else {
			r.Amount = n
		}
		reported := map[string]bool{} // file fields with a reference problem: Validate's word on them is noise
		for _, code := range e.Websites {
			id, ok := sites[code]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.websites: website %q does not exist here", where, code))
				reported["website_ids"] = true
				continue
			}
			r.WebsiteIDs = append(r.WebsiteIDs, id)
		}
		for code, l := range e.Labels {
			id, ok := views[code]
			if !ok {
				problems = append(problems, fmt.Sprintf("%s.labels: store view %q does not exist here", where, code))
				continue
			}
			r.Labels[id] = l
		}
		r.Conditions, err = mapAudiences(fromFile(e.Conditions), func(v string) (string, error) {
			// Keys are ids as the audiences store writes them: UUIDs lower case, other
			// ids as Adobe sent them.
			id, ok := local[v]
			if !ok {
				id, ok = local[strings.ToLower(v)]
			}
			if !ok {
				return "", fmt.Errorf("%s.conditions: audience %s is not in this store (sync audiences first)", where, v)
			}
			return strconv.FormatInt(id, 10), nil
		})
		if err != nil {
			problems = append(problems, err.Error())
			reported["conditions"] = true
		}
		if r.CouponType == CouponSpecific {
			key := strings.ToLower(r.CouponCode)
			if j, dup := codes[key]; dup {
				problems = append(problems, fmt.Sprintf("%s.coupon_code: %q is also the coupon code of rules[%d]", where, r.CouponCode, j))
			}
			codes[key] = i
		}
		ve := Validate(&r)
		keys := make([]string, 0, len(ve))
		for k := range ve {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if reported[k] {
				continue
			}
			name := k
			if n, ok := fileFieldNames[k]; ok {
				name = n
			}
			problems = append(problems, fmt.Sprintf("%s.%s: %s", where, name, ve[k]))
		}
		rules = append(rules, r)
	}
	if len(problems) > 0 {
		return res, &ImportError{problems}
	}
	err = db.WithTx(ctx, s.db, func(tx *gorm.DB) error {
		for i := range rules {
			var before *Rule
			if rules[i].ID != 0 {
				old := existing[rules[i].Code]
				before = &old
			}
			if err := s.saveTx(ctx, tx, actor, &rules[i], before); err != nil {
				var ve validation.Errors
				if errors.As(err, &ve) {
					var msgs []string
					for k, m := range ve {
						if n, ok := fileFieldNames[k]; ok {
							k = n
						}
						msgs = append(msgs, k+": "+m)
					}
					sort.Strings(msgs)
					return &ImportError{[]string{fmt.Sprintf("rules[%d] (%q).%s", i, rules[i].Name, strings.Join(msgs, "; "))}}
				}
				if errors.Is(err, ErrConflict) {
					return &ImportError{[]string{fmt.Sprintf("rules[%d] (%q): the rule was changed in the store during the import; import again", i, rules[i].Name)}}
				}
				return err
			}
			if before != nil {
				res.Updated++
			} else {
				res.Added++
			}
		}
		return s.log.Record(ctx, tx, actor, audit.ActionRuleImport, "price_rule", "",
			fmt.Sprintf("Cart price rules imported: %d added, %d updated", res.Added, res.Updated), nil, nil)
	})
	if err != nil {
		return ImportResult{}, err
	}
	s.changed()
	return res, nil
}
