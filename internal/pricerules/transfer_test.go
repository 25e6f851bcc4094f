package pricerules_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/app"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
)

// storeWithAudience is a whole application on d with one audience (local id varies).
func storeWithAudience(t *testing.T, d *db.DB, padding int) *app.App {
	t.Helper()
	now := time.Now().UTC()
	for i := 0; i < padding; i++ {
		d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES (?, 'Other', 'other', 'active', ?, ?, ?)",
			"00000000-0000-4000-8000-00000000000"+string(rune('0'+i)), now, now, now)
	}
	d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now)
	return app.New(config.Settings{}, d, nil, []byte("0123456789abcdef0123456789abcdef"))
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
	n, err := dst.Rules.Import(ctx, who, dst.Directory(), data)
	if err != nil || n != 1 {
		t.Fatalf("import: %d %v", n, err)
	}
	rules, _, _ := dst.Rules.All(ctx)
	if got := rules[0].Conditions.Conditions[0].Values[0]; got != "4" {
		t.Fatalf("audience mapped to local id %s, want 4", got)
	}
	// A second import of the same file clashes on the coupon code: nothing is written.
	if _, err := dst.Rules.Import(ctx, who, dst.Directory(), data); err == nil {
		t.Fatal("duplicate coupon code imported")
	}
	if rules, _, _ := dst.Rules.All(ctx); len(rules) != 1 {
		t.Fatalf("a failed import wrote %d rules", len(rules)-1)
	}
	// Unknown audience and website, and a bad rule: every problem listed, nothing written.
	bad := strings.NewReplacer("5eed0001-0001-4001-8007-000000000001", "99999999-0001-4001-8007-000000000001", `"base"`, `"nowhere"`, `"RUN21"`, `"OTHER"`).Replace(string(data))
	_, err = dst.Rules.Import(ctx, who, dst.Directory(), []byte(bad))
	var ie *pricerules.ImportError
	if !errors.As(err, &ie) || len(ie.Problems) < 2 || !strings.Contains(err.Error(), "sync audiences first") || !strings.Contains(err.Error(), `website "nowhere"`) {
		t.Fatalf("problems: %v", err)
	}
	for _, junk := range []string{"", "{", `{"format":"other","version":1,"rules":[]}`} {
		if _, err := dst.Rules.Import(ctx, who, dst.Directory(), []byte(junk)); !errors.As(err, &ie) {
			t.Fatalf("junk %q: %v", junk, err)
		}
	}
}
