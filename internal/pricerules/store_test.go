package pricerules_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/audit"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/validation"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var who = audit.Actor{Username: "test"}

func buyTwoGetOne(name string, audienceID string) pricerules.Rule {
	return pricerules.Rule{Name: name, Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
		CouponType: pricerules.CouponNone, Action: pricerules.BuyXGetY, Amount: 1, Step: 2, FreeShipping: pricerules.FreeShippingNo,
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{audienceID}}),
		ActionConditions: pricerules.All(), DefaultLabel: "Buy 2 get 1 free", Labels: map[int64]string{1: "2 + 1 gratis"}}
}

func TestRulesStore(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now)
		aud := audiences.NewStore(d)
		s := pricerules.NewService(d, audit.NewLog(d), aud)
		changes := 0
		s.OnChange = func() { changes++ }

		r, err := s.Save(ctx, who, buyTwoGetOne("Runners 2+1", "1"))
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Get(ctx, r.ID)
		if err != nil || got.Name != "Runners 2+1" || got.Labels[1] != "2 + 1 gratis" || got.Version != 1 || len(got.CustomerGroupIDs) != 2 {
			t.Fatalf("round trip: %+v %v", got, err)
		}
		if pricerules.Describe(got.Conditions) != pricerules.Describe(r.Conditions) {
			t.Fatal("conditions changed on the way through the database")
		}
		uses, _ := aud.UsageOf(ctx, 1)
		if len(uses) != 1 || uses[0].EntityName != "Runners 2+1" {
			t.Fatalf("audience usage %+v", uses)
		}

		// Two editors: the second save, from the old version, is refused.
		first, second := got, got
		first.Priority = 5
		if _, err := s.Save(ctx, who, first); err != nil {
			t.Fatal(err)
		}
		second.Priority = 9
		if _, err := s.Save(ctx, who, second); !errors.Is(err, pricerules.ErrConflict) {
			t.Fatalf("stale save: %v", err)
		}
		if cur, _ := s.Get(ctx, r.ID); cur.Priority != 5 || cur.Version != 2 {
			t.Fatalf("after conflict: priority %d version %d", cur.Priority, cur.Version)
		}

		// Coupon codes are unique, case-insensitively.
		c1 := buyTwoGetOne("Coupon rule", "1")
		c1.CouponType, c1.CouponCode = pricerules.CouponSpecific, "SAVE10"
		if _, err := s.Save(ctx, who, c1); err != nil {
			t.Fatal(err)
		}
		c2 := c1
		c2.Name, c2.CouponCode = "Other", "save10"
		var ve validation.Errors
		if _, err := s.Save(ctx, who, c2); !errors.As(err, &ve) || ve["coupon_code"] == "" {
			t.Fatalf("duplicate coupon: %v", err)
		}
		// Invalid input: messages, nothing written.
		bad := buyTwoGetOne("", "1")
		bad.WebsiteIDs, bad.Step = nil, 0
		if _, err := s.Save(ctx, who, bad); !errors.As(err, &ve) || ve["name"] == "" || ve["website_ids"] == "" || ve["step"] == "" {
			t.Fatalf("validation: %v", err)
		}
		bad = buyTwoGetOne("Ghost website", "1")
		bad.WebsiteIDs = []int64{999}
		if _, err := s.Save(ctx, who, bad); !errors.As(err, &ve) || ve["website_ids"] == "" {
			t.Fatalf("unknown website: %v", err)
		}

		// The snapshot from the database applies the rule to members only.
		snap, err := s.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cart := &pricerules.Cart{Items: []pricerules.Item{{ID: 1, SKU: "TEE", Price: 1000, Qty: 3}}}
		member := &pricerules.Shopper{WebsiteID: 1, StoreViewID: 1, CustomerGroupID: 1, Audiences: []int64{1}, Now: now}
		res := snap.Evaluate(cart, member)
		if res.ItemsDiscount != 1000 || res.Applied[0].Label != "2 + 1 gratis" {
			t.Fatalf("member: %+v", res)
		}
		if res := snap.Evaluate(cart, &pricerules.Shopper{WebsiteID: 1, CustomerGroupID: 1, Now: now}); res.ItemsDiscount != 0 {
			t.Fatal("non-member discounted")
		}

		dup, err := s.Duplicate(ctx, who, r.ID)
		if err != nil || dup.Active || dup.Name != "Runners 2+1 (copy)" {
			t.Fatalf("duplicate: %+v %v", dup, err)
		}
		if n, err := s.SetActive(ctx, who, []int64{r.ID, dup.ID}, false); err != nil || n != 1 {
			t.Fatalf("deactivate: %d %v", n, err)
		}
		if n, err := s.Delete(ctx, who, []int64{r.ID, 12345}); err != nil || n != 1 {
			t.Fatalf("delete: %d %v", n, err)
		}
		if uses, _ := aud.UsageOf(ctx, 1); len(uses) != 2 { // the copy and the coupon rule remain
			t.Fatalf("usage after delete: %+v", uses)
		}
		if _, err := s.Get(ctx, r.ID); !errors.Is(err, pricerules.ErrNotFound) {
			t.Fatal("deleted rule still there")
		}
		if changes < 5 {
			t.Fatalf("OnChange called %d times", changes)
		}
	})
}

func TestSavingARuleKeepsItsCouponUsage(t *testing.T) {
	d := dbtest.New(t)
	ctx := context.Background()
	now := time.Now().UTC()
	d.Exec("INSERT INTO audiences (cdp_id, name, search_name, status, synced_at, created_at, updated_at) VALUES ('5eed0001-0001-4001-8007-000000000001', 'Runners', 'runners', 'active', ?, ?, ?)", now, now, now)
	s := pricerules.NewService(d, audit.NewLog(d), audiences.NewStore(d))
	r := buyTwoGetOne("Coupon rule", "1")
	r.CouponType, r.CouponCode, r.UsesPerCoupon = pricerules.CouponSpecific, "SAVE10", 5
	r, err := s.Save(ctx, who, r)
	if err != nil {
		t.Fatal(err)
	}
	d.Exec("UPDATE coupons SET times_used = 3 WHERE rule_id = ?", r.ID)
	r.Name, r.UsesPerCoupon = "Renamed", 7
	if _, err := s.Save(ctx, who, r); err != nil {
		t.Fatal(err)
	}
	_, coupons, _ := s.All(ctx)
	if len(coupons) != 1 || coupons[0].TimesUsed != 3 || coupons[0].UsageLimit != 7 {
		t.Fatalf("coupon after save: %+v", coupons)
	}
	// An audience that is not in the store is refused.
	bad := buyTwoGetOne("Ghost audience", "999")
	var ve validation.Errors
	if _, err := s.Save(ctx, who, bad); !errors.As(err, &ve) || ve["conditions"] == "" {
		t.Fatalf("unknown audience: %v", err)
	}
}
