package wiring_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"audienceactivation/cmd/admin/wiring"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/config"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Two instances share one database: a change saved on one reaches the other's snapshots
// within about a second.
func TestChangesReachOtherInstances(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		key := []byte("0123456789abcdef0123456789abcdef")
		one, two := wiring.New(config.Settings{}, d, nil, key), wiring.New(config.Settings{}, d, nil, key)
		two.WatchSnapshots(ctx)
		if snap, err := two.LiveRules.Current(ctx); err != nil || snap.Len() != 0 {
			t.Fatalf("start: %v", err)
		}
		who := audit.Actor{Username: "t"}
		if _, err := one.PriceRules.Save(ctx, who, pricerules.Rule{Name: "Sale", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
			CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
			Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := one.Blocks.SaveBlock(ctx, who, dynamicblocks.Block{Name: "Hero", Enabled: true, Type: dynamicblocks.TypeAny, Content: "<p>x</p>"}); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(5 * time.Second)
		for {
			rules, _ := two.LiveRules.Current(ctx)
			blocks, _ := two.LiveBlocks.Current(ctx)
			if rules.Len() == 1 && blocks.Block(1) != nil {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("the other instance never saw the change")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

// A rule file naming tens of thousands of audiences is translated without passing the
// databases' limits on query parameters.
func TestDirectoryLooksUpManyAudiences(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		a := wiring.New(config.Settings{}, d, nil, []byte("0123456789abcdef0123456789abcdef"))
		now := time.Now().UTC()
		for i := 0; i < 3; i++ {
			if err := d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES (?, 'A', 'a', 'active', ?, ?, ?)",
				fmt.Sprintf("5eed%04d-0001-4001-8007-000000000001", i), now, now, now).Error; err != nil {
				t.Fatal(err)
			}
		}
		ids := make([]string, 70000) // over PostgreSQL's 65,535 and SQLite's 32,766
		for i := range ids {
			ids[i] = fmt.Sprintf("5eed%04d-0001-4001-8007-000000000001", i%10000)
		}
		ids = append(ids, fmt.Sprintf("5eed%04d-0001-4001-8007-000000000001", 2))
		local, err := a.RuleDirectory.AudienceLocalIDs(ctx, ids)
		if err != nil || len(local) != 3 {
			t.Fatalf("%d found, %v", len(local), err)
		}
		many := make([]int64, 70000)
		for i := range many {
			many[i] = int64(i + 1)
		}
		cdp, err := a.RuleDirectory.AudienceCDPIDs(ctx, many)
		if err != nil || len(cdp) != 3 {
			t.Fatalf("%d found, %v", len(cdp), err)
		}
	})
}
