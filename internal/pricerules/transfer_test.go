package pricerules_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
)

// shop is the price rules of one store, with the directory that names its websites, store
// views and audiences in files, as cmd/admin wires it.
type shop struct {
	Rules *pricerules.Service
	dir   pricerules.Directory
}

func (s *shop) Directory() pricerules.Directory { return s.dir }

// storeWithAudience is a store on d with one audience (local id varies).
func storeWithAudience(t *testing.T, d *db.DB, padding int) *shop {
	t.Helper()
	now := time.Now().UTC()
	for i := 0; i < padding; i++ {
		d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES (?, 'Other', 'other', 'active', ?, ?, ?)",
			"00000000-0000-4000-8000-00000000000"+string(rune('0'+i)), now, now, now)
	}
	d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now)
	log := audit.NewLog(d)
	as := audiences.NewStore(d)
	st := stores.NewService(d, log)
	return &shop{Rules: pricerules.NewService(d, log, as), dir: pricerules.Directory{WebsiteIDs: st.WebsiteIDs, StoreViewIDs: st.StoreViewIDs,
		AudienceLocalIDs: as.LocalIDs, AudienceCDPIDs: as.CDPIDs}}
}

func TestExportImportBetweenStores(t *testing.T) {
	ctx := context.Background()
	src := storeWithAudience(t, dbtest.New(t), 0)
	r := buyTwoGetOne("Runners 2+1", "1")
	r.CouponType, r.CouponCode = pricerules.CouponSpecific, "RUN21"
	if _, err := src.Rules.Save(ctx, who, r); err != nil {
		t.Fatal(err)
	}
	data, err := src.Rules.Export(ctx, src.Directory())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "5eed0001-0001-4001-8007-000000000001") || !strings.Contains(string(data), `"base"`) {
		t.Fatalf("export is not portable: %s", data)
	}
	// The other store has the audience under another local id.
	dst := storeWithAudience(t, dbtest.New(t), 3)
	res, err := dst.Rules.Import(ctx, who, dst.Directory(), data)
	if err != nil || res.Added != 1 || res.Updated != 0 {
		t.Fatalf("import: %+v %v", res, err)
	}
	rules, _, _ := dst.Rules.All(ctx)
	if got := rules[0].Conditions.Conditions[0].Values[0]; got != "4" {
		t.Fatalf("audience mapped to local id %s, want 4", got)
	}
	// The same file again updates the rule it brought (matched by code), never a copy.
	edited := strings.Replace(string(data), `"Runners 2+1"`, `"Runners: buy 2 get 1"`, 1)
	res, err = dst.Rules.Import(ctx, who, dst.Directory(), []byte(edited))
	if err != nil || res.Added != 0 || res.Updated != 1 {
		t.Fatalf("second import: %+v %v", res, err)
	}
	if rules, _, _ := dst.Rules.All(ctx); len(rules) != 1 || rules[0].Name != "Runners: buy 2 get 1" {
		t.Fatalf("after re-import: %d rules, %q", len(rules), rules[0].Name)
	}
	// Unknown audience and website, and a bad rule: every problem listed, nothing written.
	bad := strings.NewReplacer("5eed0001-0001-4001-8007-000000000001", "99999999-0001-4001-8007-000000000001", `"base"`, `"nowhere"`, `"RUN21"`, `"OTHER"`).Replace(string(data))
	_, err = dst.Rules.Import(ctx, who, dst.Directory(), []byte(bad))
	var ie *pricerules.ImportError
	if !errors.As(err, &ie) || len(ie.Problems) < 2 || !strings.Contains(err.Error(), "sync audiences first") || !strings.Contains(err.Error(), `rules[0] ("Runners 2+1").websites: website "nowhere"`) {
		t.Fatalf("problems: %v", err)
	}
	for _, junk := range []string{"", "{", `{"format":"other","version":1,"rules":[]}`, `[]`} {
		if _, err := dst.Rules.Import(ctx, who, dst.Directory(), []byte(junk)); !errors.As(err, &ie) {
			t.Fatalf("junk %q: %v", junk, err)
		}
	}
}

// A rules file written by hand, as an outsider would from the schema: unknown fields are
// refused with their place in the file, a combine without "expect" means TRUE, messages use
// the file's own field names, and the export validates against the published schema.
func TestRulesFilesAnOutsiderCanWrite(t *testing.T) {
	ctx := context.Background()
	dst := storeWithAudience(t, dbtest.New(t), 0)
	const handWritten = `{"format": "audience-activation/price-rules", "version": 2, "rules": [{
		"code": "runners-2-1", "name": "Runners 2+1", "active": true, "websites": ["base"], "customer_groups": [0, 1],
		"conditions": {"type": "combine", "aggregator": "all", "conditions": [
			{"type": "audience", "operator": "()", "values": ["5EED0001-0001-4001-8007-000000000001"]}]},
		"action": "buy_x_get_y", "discount_amount": "1", "step": 2}]}`
	res, err := dst.Rules.Import(ctx, who, dst.Directory(), []byte(handWritten))
	if err != nil || res.Added != 1 {
		t.Fatalf("import: %+v %v", res, err)
	}
	rules, _, _ := dst.Rules.All(ctx)
	if r := rules[0]; r.Code != "runners-2-1" || !r.Conditions.Expect || !r.ActionConditions.Expect || r.FreeShipping != pricerules.FreeShippingNo {
		t.Fatalf("rule %+v", r)
	}
	// The combine without "expect" is TRUE: a member gets the discount.
	snap, _ := dst.Rules.Snapshot(ctx)
	cart := &pricerules.Cart{Items: []pricerules.Item{{ID: 1, SKU: "TEE", Price: 1000, Qty: 3}}}
	if got := snap.Evaluate(cart, &pricerules.Shopper{WebsiteID: 1, CustomerGroupID: 0, Audiences: []int64{1}, Now: time.Now()}); got.Discount() != 1000 {
		t.Fatalf("a combine without expect did not mean TRUE: discount %d", got.Discount())
	}
	for name, tc := range map[string]struct{ file, want string }{
		"unknown field": {strings.Replace(handWritten, `"operator": "()"`, `"operator": "()", "valuez": ["x"]`, 1),
			`rules[0].conditions.conditions[0]: unknown field "valuez"`},
		"unknown rule field": {strings.Replace(handWritten, `"step": 2`, `"step": 2, "stop_rules_processing": true`, 1),
			`rules[0]: unknown field "stop_rules_processing"`},
		"file's own names": {strings.Replace(handWritten, `"websites": ["base"]`, `"websites": []`, 1), `rules[0].websites`},
		"bad amount":       {strings.Replace(handWritten, `"discount_amount": "1"`, `"discount_amount": "ten"`, 1), `rules[0].discount_amount: "ten" is not an amount written with digits`},
	} {
		_, err := dst.Rules.Import(ctx, who, dst.Directory(), []byte(tc.file))
		var ie *pricerules.ImportError
		if !errors.As(err, &ie) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
	// The export is a valid instance of the published schema, with explicit expects.
	data, err := dst.Rules.Export(ctx, dst.Directory())
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	c := jsonschema.NewCompiler()
	schema, _ := jsonschema.UnmarshalJSON(bytes.NewReader(pricerules.FileSchema()))
	if err := c.AddResource("s.json", schema); err != nil {
		t.Fatal(err)
	}
	if err := c.MustCompile("s.json").Validate(doc); err != nil {
		t.Fatalf("the export does not follow the schema: %v", err)
	}
	if !strings.Contains(string(data), `"expect": true`) || !strings.Contains(string(data), `"code": "runners-2-1"`) {
		t.Fatalf("export: %s", data)
	}
}
