package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// placeGuestOrder places a guest order of qty running tees through the GraphQL API, with
// the given headers (an audience's membership, say), and returns its number.
func placeGuestOrder(t *testing.T, a *app, headers map[string]string, email string, qty int) string {
	t.Helper()
	id := a.gql(t, headers, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	vars := map[string]any{"id": id, "qty": qty, "email": email}
	a.gql(t, headers, `mutation($id: String!, $qty: Float!, $email: String!) {
		addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: $qty}]) { cart { id } }
		setGuestEmailOnCart(input: {cart_id: $id, email: $email}) { cart { id } }
		setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", postcode: "78701", country_code: "US"}}]}) { cart { id } }
		setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }
		setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }
		setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } } }`, vars).ok(t)
	return a.gql(t, headers, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } } }`, map[string]any{"id": id}).ok(t).str("placeOrder.order.order_number")
}

// Orders record the shopper's audiences; the orders grid filters by them; Reports ›
// Audience Promotions says what the audience's rule gave and how members bought against
// everyone else, on the page, in its chart and in CSV.
func TestAudiencePromotionsReport(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	// A member's order: 3 tees at 25.00, one free (buy 2 get 1), flat rate 3 × 5.00 → 65.00.
	placeGuestOrder(t, a, member, "member@example.com", 3)
	// Someone else's: 75.00 + 15.00 → 90.00, no discount.
	other := placeGuestOrder(t, a, nil, "other@example.com", 3)
	c := a.client()
	c.signIn("admin", "correct-horse-1")

	// The orders grid shows and filters by the shopper's audiences.
	p := c.get("/admin/sales/orders")
	if got := p.text(`[data-testid="order-audiences"]`); !strings.Contains(got, "Abandoned cart") || !strings.Contains(got, "—") {
		t.Fatalf("audiences column: %q", got)
	}
	p = c.get("/admin/sales/orders?audience=" + url.QueryEscape(s.cdp[0]))
	if p.testid("order-row").Length() != 1 || !strings.Contains(p.text(`[data-testid="order-row"]`), "member@example.com") {
		t.Fatalf("filtered by audience: %q", p.text(`[data-testid="orders-grid"]`))
	}
	p = c.get("/admin/sales/orders?sort=total&dir=desc")
	if p.text(`[data-testid="order-number"]`)[:9] != other {
		t.Fatalf("sorted by total, the largest first: %q", p.text(`[data-testid="order-number"]`))
	}
	if p := c.get("/admin/sales/orders?from=2000-01-01&to=2000-01-31"); p.testid("order-row").Length() != 0 {
		t.Fatal("date filter")
	}
	p = c.get(c.get("/admin/sales/orders?audience="+url.QueryEscape(s.cdp[0])).doc.Find(`[data-testid="order-number"]`).AttrOr("href", ""))
	if got := p.text(`[data-testid="order-shopper-audiences"]`); got != "Abandoned cart" {
		t.Fatalf("order page audiences: %q", got)
	}

	p = c.get("/admin/reports/audience-promotions")
	wantStatus(t, p, http.StatusOK)
	if got := p.text(`[data-testid="report-totals"]`); !strings.Contains(got, "Orders2") || !strings.Contains(got, "USD 155.00") || !strings.Contains(got, "USD 77.50") || !strings.Contains(got, "USD 25.00") {
		t.Fatalf("totals: %q", got)
	}
	rule := p.testid("report-rule")
	if rule.Length() != 1 || !strings.Contains(rule.Text(), "Runners: buy 2 get 1") ||
		!strings.Contains(p.text(`[data-testid="report-rule-applied"]`), "Applied to 1 order(s): revenue USD 65.00, average order USD 65.00, discount given USD 25.00") {
		t.Fatalf("rule: %q", rule.Text())
	}
	var cells []string
	rule.Find(`[data-testid="report-split"] td`).Each(func(_ int, td *goquery.Selection) { cells = append(cells, strings.TrimSpace(td.Text())) })
	split := strings.Join(cells, " | ")
	// Members: 1 order, 65.00, average 65.00, this rule's discount 25.00; everyone else: 1,
	// 90.00, 90.00, 0.00; members' average order is 28 % smaller.
	if split != "Abandoned cart | 1 | USD 65.00 | USD 65.00 | USD 25.00 | 1 | USD 90.00 | USD 90.00 | USD 0.00 | -28 %" {
		t.Fatalf("rule's audience split: %q", split)
	}
	if n := p.doc.Find(`[data-testid="report-chart"] rect`).Length(); n < 28 {
		t.Fatalf("chart has %d bars, want one per day of the 30-day period", n)
	}
	if p.doc.Find(`[data-testid="report-chart"] rect[height]`).FilterFunction(func(_ int, r *goquery.Selection) bool { return r.AttrOr("height", "0") != "0" }).Length() != 1 {
		t.Fatal("one day has revenue: one bar, not zero or many")
	}
	csvBody := c.get(p.doc.Find(`[data-testid="report-csv"]`).AttrOr("href", "")).body
	records, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil || len(records) < 6 {
		t.Fatalf("csv: %v %q", err, csvBody)
	}
	want := []string{"rule and audience", "Runners: buy 2 get 1", "Abandoned cart", "members", "1", "65.00", "25.00", "65.00", "USD"}
	found := false
	for _, r := range records {
		if strings.Join(r, "|") == strings.Join(want, "|") {
			found = true
		}
	}
	if !found {
		t.Fatalf("csv lacks %v:\n%s", want, csvBody)
	}
	// Days are the store view's: today there (whatever UTC's date) holds both orders, in
	// the report and in the orders grid.
	sv, _ := a.full.Stores.StoreView(context.Background(), 1)
	today := time.Now().In(sv.Location()).Format("2006-01-02")
	if p := c.get("/admin/reports/audience-promotions?from=" + today + "&to=" + today); !strings.Contains(p.text(`[data-testid="report-totals"]`), "Orders2") {
		t.Fatalf("today in %s: %q", sv.Timezone, p.text(`[data-testid="report-totals"]`))
	}
	if p := c.get("/admin/sales/orders?from=" + today + "&to=" + today); p.testid("order-row").Length() != 2 {
		t.Fatalf("orders of today in %s: %d", sv.Timezone, p.testid("order-row").Length())
	}
	if p := c.get("/admin/reports/audience-promotions?from=2026-13-01"); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("bad date: %d", p.status)
	}
}
