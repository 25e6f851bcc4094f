package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// Sales › Orders lists what shoppers ordered with the rules that applied, and an order's
// page shows its lines, the labels the shopper saw, the address and the totals.
func TestAdminOrdersShowAppliedRules(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	a.gql(t, member, `mutation($id: String!) {
		addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 3}]) { cart { id } }
		setGuestEmailOnCart(input: {cart_id: $id, email: "ann@example.com"}) { cart { id } }
		setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", postcode: "78701", country_code: "US"}}]}) { cart { id } }
		setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }
		setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }
		setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } } }`, map[string]any{"id": id}).ok(t)
	number := a.gql(t, member, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } } }`, map[string]any{"id": id}).ok(t).str("placeOrder.order.order_number")

	admin := a.client()
	admin.signIn("admin", "correct-horse-1")
	p := admin.get("/admin/sales/orders")
	wantStatus(t, p, http.StatusOK)
	if p.text(`[data-testid="order-number"]`) != number || p.text(`[data-testid="order-rules"]`) != "Runners: buy 2 get 1" ||
		p.text(`[data-testid="order-total"]`) != "USD 65.00" || !strings.Contains(p.text(`[data-testid="order-row"]`), "ann@example.com (guest)") {
		t.Fatalf("orders grid: %q", p.text(`[data-testid="orders-grid"]`))
	}
	if p := admin.get("/admin/sales/orders?q=" + url.QueryEscape("nobody@example.com")); p.testid("order-row").Length() != 0 {
		t.Fatal("search matched an order it should not")
	}
	p = admin.get(p.doc.Find(`[data-testid="order-number"]`).AttrOr("href", ""))
	wantStatus(t, p, http.StatusOK)
	rule := p.text(`[data-testid="order-rule"]`)
	if !strings.Contains(rule, "Runners: buy 2 get 1") || !strings.Contains(rule, "Buy 2, get 1 free") || !strings.Contains(rule, "-USD 25.00") {
		t.Fatalf("applied rules: %q", rule)
	}
	if !strings.Contains(p.text(`[data-testid="order-details"]`), "Austin 78701") || p.text(`[data-testid="order-grand-total"]`) != "USD 65.00" ||
		!strings.Contains(p.text(`[data-testid="order-lines"]`), "Running tee") {
		t.Fatalf("order page: %q", p.text("main"))
	}
	if p := admin.get("/admin/sales/orders/999"); p.status != http.StatusNotFound {
		t.Fatalf("unknown order: %d", p.status)
	}
	if p := a.client().get("/admin/sales/orders"); p.status != http.StatusSeeOther && p.status != http.StatusFound {
		t.Fatalf("orders without signing in: %d", p.status)
	}
}
