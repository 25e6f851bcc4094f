package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"audienceactivation/internal/pricerules"
)

// Coupon codes that a spreadsheet would read as formulas (a "-" or "@" prefix) are written
// as inert text in the coupons CSV.
func TestCouponCSVCellsAreInert(t *testing.T) {
	a, c := signedIn(t)
	ctx := context.Background()
	r, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Generated", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponAuto, Action: pricerules.ByPercent, Amount: 500, FreeShipping: pricerules.FreeShippingNo,
		Conditions: pricerules.All(), ActionConditions: pricerules.All()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.PriceRules.GenerateCoupons(ctx, actorT(), r.ID, pricerules.GenerateSpec{Qty: 3, Length: 6, Format: "numeric", Prefix: "-A1"}); err != nil {
		t.Fatal(err)
	}
	p := c.get("/admin/price-rules/" + itoa(r.ID) + "/coupons.csv")
	wantStatus(t, p, http.StatusOK)
	rows, err := csv.NewReader(strings.NewReader(p.body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("%d rows, %v: %q", len(rows), err, p.body)
	}
	for _, row := range rows[1:] {
		if !strings.HasPrefix(row[0], "'-A1") {
			t.Errorf("code cell %q would be read as a formula", row[0])
		}
	}
}
