package app_test

import (
	"context"
	"testing"
	"time"

	"audienceactivation/internal/app"
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
		one, two := app.New(config.Settings{}, d, nil, key), app.New(config.Settings{}, d, nil, key)
		two.WatchSnapshots(ctx)
		if snap, err := two.LiveRules.Current(ctx); err != nil || snap.Len() != 0 {
			t.Fatalf("start: %v", err)
		}
		who := audit.Actor{Username: "t"}
		if _, err := one.Rules.Save(ctx, who, pricerules.Rule{Name: "Sale", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
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
