package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/pricerules"
)

// A shopper signs in on the reference storefront: their guest cart comes along, their
// customer group's rule applies, and a rule limited to one use per customer applies once.
func TestStorefrontCustomerSignInAppliesTheirGroupOnce(t *testing.T) {
	a, _ := newStore(t)
	ctx := context.Background()
	if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "correct horse 42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Welcome, members", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
		CouponType: pricerules.CouponNone, UsesPerCustomer: 1, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel: "Members: 10% off your first order", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	shop.get("/store/products")
	wantStatus(t, shop.post("/store/cart/add", url.Values{"sku": {"MUG"}, "qty": {"2"}}), http.StatusSeeOther)
	if p := shop.get("/store/cart"); p.testid("discount-label").Length() != 0 {
		t.Fatal("a guest got the members' discount")
	}
	p := shop.get("/store/account/login")
	wantStatus(t, p, http.StatusOK)
	p = shop.post("/store/account/login", url.Values{"email": {"bo@example.com"}, "password": {"wrong"}})
	if p.status != http.StatusUnprocessableEntity || p.doc.Find("#email").AttrOr("value", "") != "bo@example.com" ||
		p.text(`[data-testid="login-error"]`) != "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later." {
		t.Fatalf("wrong password: %d %q", p.status, p.text("main"))
	}
	p = shop.post("/store/account/login", url.Values{"email": {"Bo@Example.com"}, "password": {"correct horse 42"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = shop.get("/store/cart")
	if p.text(`[data-testid="nav-customer"]`) != "Hello, Bo" || p.text(`[data-testid="discount-label"]`) != "Members: 10% off your first order" ||
		p.text(`[data-testid="total-subtotal"]`) != "USD 19.00" {
		t.Fatalf("signed-in cart: %q", p.text("body"))
	}
	wantStatus(t, shop.post("/store/cart/place", nil), http.StatusSeeOther)
	var order struct {
		CustomerID      int64
		CustomerGroupID int64
		Discount        int64
	}
	a.db.Raw("SELECT customer_id, customer_group_id, discount FROM orders").Scan(&order)
	if order.CustomerID == 0 || order.CustomerGroupID != 1 || order.Discount != 190 {
		t.Fatalf("order: %+v", order)
	}
	// The rule's one use per customer is spent.
	shop.get("/store/products")
	wantStatus(t, shop.post("/store/cart/add", url.Values{"sku": {"MUG"}, "qty": {"2"}}), http.StatusSeeOther)
	if p := shop.get("/store/cart"); p.testid("discount-label").Length() != 0 {
		t.Fatalf("the rule applied a second time: %q", p.text("main"))
	}
	// Signing out ends the session.
	wantStatus(t, shop.post("/store/account/logout", nil), http.StatusSeeOther)
	if p := shop.get("/store"); p.testid("nav-login").Length() != 1 || p.testid("nav-customer").Length() != 0 {
		t.Fatalf("after signing out: %q", p.text("header"))
	}
	var tokens int
	a.db.Raw("SELECT COUNT(*) FROM customer_tokens").Scan(&tokens)
	if tokens != 0 {
		t.Fatalf("%d tokens left after signing out", tokens)
	}
}
