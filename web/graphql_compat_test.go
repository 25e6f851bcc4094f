package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/db"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
)

// What existing headless clients rely on beyond the happy path: empty lists as [], case-
// insensitive SKUs and bearer scheme, billing addresses, merging a guest cart after sign-in,
// CORS preflights for their own headers, JSON errors, no shared caching.
func TestGraphQLBehavesAsMagentoClientsExpect(t *testing.T) {
	s := newShop(t)
	a := s.a
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id items { uid } prices { applied_taxes { label } } } } }`, nil).ok(t)
	if fmt.Sprint(id.at("createGuestCart.cart.items")) != "[]" || fmt.Sprint(id.at("createGuestCart.cart.prices.applied_taxes")) != "[]" {
		t.Fatalf("empty lists: %v", id.Data)
	}
	cartID := id.str("createGuestCart.cart.id")
	vars := map[string]any{"id": cartID}
	r := a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "tee-1", quantity: 1}, {sku: "MUG", quantity: 1}]) {
		user_errors { message } cart { items { uid product { sku url_key stock_status } } } } }`, vars).ok(t)
	if r.str("addProductsToCart.cart.items.0.product.sku") != "TEE-1" || r.str("addProductsToCart.cart.items.0.product.stock_status") != "IN_STOCK" {
		t.Fatalf("SKU in another case: %v", r.Data)
	}
	tee, mug := r.str("addProductsToCart.cart.items.0.uid"), r.str("addProductsToCart.cart.items.1.uid")
	// An update with one unknown item changes nothing.
	r = a.gql(t, nil, `mutation($id: String!, $tee: ID, $bad: ID) { updateCartItems(input: {cart_id: $id, cart_items: [{cart_item_uid: $tee, quantity: 7}, {cart_item_uid: $bad, quantity: 1}]}) { cart { id } } }`,
		map[string]any{"id": cartID, "tee": tee, "bad": uid(999)})
	if !strings.Contains(r.errorText(), "Could not find cart item with id: 999") {
		t.Fatalf("unknown item: %s", r.errorText())
	}
	if q := a.gql(t, nil, `query($id: String!) { cart(cart_id: $id) { total_quantity } }`, vars).ok(t).str("cart.total_quantity"); q != "2" {
		t.Fatalf("half an update was saved: quantity %s", q)
	}
	_ = mug
	// Billing: the same as shipping, or its own.
	a.gql(t, nil, `mutation($id: String!) { setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", country_code: "US"}}]}) { cart { id } } }`, vars).ok(t)
	r = a.gql(t, nil, `mutation($id: String!) { setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { billing_address { city street } } } }`, vars).ok(t)
	if r.str("setBillingAddressOnCart.cart.billing_address.city") != "Austin" {
		t.Fatalf("billing same as shipping: %v", r.Data)
	}
	// Products: wildcards are literal, too many SKUs or pages past the end are refused.
	if r := a.gql(t, nil, `{ products(search: "%") { total_count items { sku } } }`, nil).ok(t); r.str("products.total_count") != "0" || fmt.Sprint(r.at("products.items")) != "[]" {
		t.Fatalf("search for %%: %v", r.Data)
	}
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprint("SKU-", i)
	}
	if r := a.gql(t, nil, `query($s: [String]) { products(filter: {sku: {in: $s}}) { total_count } }`, map[string]any{"s": many}); !strings.Contains(r.errorText(), "at most 100 SKUs") {
		t.Fatalf("many SKUs: %s", r.errorText())
	}
	if r := a.gql(t, nil, `{ products(search: "e", currentPage: 9) { total_count } }`, nil); r.errorText() != "currentPage value 9 specified is greater than the 1 page(s) available." {
		t.Fatalf("page past the end: %s", r.errorText())
	}
	// At most 20 top-level fields in one request.
	var aliases strings.Builder
	for i := 0; i < 21; i++ {
		fmt.Fprintf(&aliases, "c%d: createGuestCart { cart { id } } ", i)
	}
	if r := a.gql(t, nil, "mutation { "+aliases.String()+"}", nil); !strings.Contains(r.errorText(), "at most 20 top-level fields") {
		t.Fatalf("21 carts in one request: %s", r.errorText())
	}
	// Placing the order twice: the second is told the cart is no longer active.
	for _, m := range []string{`setGuestEmailOnCart(input: {cart_id: $id, email: "a@example.com"}) { cart { id } }`,
		`setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }`,
		`setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } }`} {
		a.gql(t, nil, `mutation($id: String!) { `+m+` }`, vars).ok(t)
	}
	place := `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } errors { code message } } }`
	a.gql(t, nil, place, vars).ok(t)
	if r := a.gql(t, nil, place, vars).ok(t); r.str("placeOrder.errors.0.code") != "CART_NOT_ACTIVE" {
		t.Fatalf("second order: %v", r.Data)
	}

	// HTTP: preflights for the client's own headers, JSON errors, nothing cached.
	req, _ := http.NewRequest(http.MethodOptions, a.server.URL+"/graphql", nil)
	req.Header.Set("Origin", "https://shop.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type,content-currency,store,authorization,aep-segments-membership")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if h := res.Header.Get("Access-Control-Allow-Headers"); !strings.Contains(h, "content-currency") || res.Header.Get("Access-Control-Max-Age") != "86400" {
		t.Fatalf("preflight: %d %v", res.StatusCode, res.Header)
	}
	req, _ = http.NewRequest(http.MethodPut, a.server.URL+"/graphql", strings.NewReader("{}"))
	res, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || res.StatusCode < 400 {
		t.Fatalf("PUT: %d %s", res.StatusCode, ct)
	}
	res, err = http.Get(a.server.URL + "/graphql?query=" + "%7B%20products(search%3A%22tee%22)%20%7B%20total_count%20%7D%20%7D")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Cache-Control") != "no-store" || !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "aep-segments-membership") {
		t.Fatalf("GET caching headers: %d %v", res.StatusCode, res.Header)
	}
}

// A guest signs in: the guest cart merges into the customer's; a password change ends the
// customer's tokens; customers' failed sign-ins do not lock the admin out of the same address.
func TestGraphQLCustomerSignInAfterShopping(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	a.createAdmin("admin", "correct-horse-1")
	bo, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1, Password: "correct horse 42"})
	if err != nil {
		t.Fatal(err)
	}
	guest := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 2}]) { cart { id } } }`, map[string]any{"id": guest}).ok(t)
	login := `mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }`
	token := a.gql(t, nil, login, map[string]any{"e": "BO@example.com", "p": "correct horse 42"}).ok(t).str("generateCustomerToken.token")
	auth := map[string]string{"Authorization": "bearer " + token}
	r := a.gql(t, auth, `mutation($g: String!) { mergeCarts(source_cart_id: $g) { id total_quantity items { product { sku } } } }`, map[string]any{"g": guest}).ok(t)
	if r.str("mergeCarts.total_quantity") != "2" {
		t.Fatalf("merged cart: %v", r.Data)
	}
	if r := a.gql(t, nil, `query($g: String!) { cart(cart_id: $g) { id } }`, map[string]any{"g": guest}); len(r.Errors) == 0 {
		t.Fatal("the guest cart is still open after the merge")
	}
	// Another scheme in Authorization is not a customer's token: the request is a guest's.
	if r := a.gql(t, map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, `{ products(search: "mug") { total_count } }`, nil).ok(t); r.str("products.total_count") != "1" {
		t.Fatalf("Basic credentials: %v", r.Data)
	}
	// A new password ends the customer's sessions.
	if _, err := a.full.Customers.Save(ctx, actorT(), bo.ID, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "another horse 43"}); err != nil {
		t.Fatal(err)
	}
	if r := a.gql(t, auth, `{ customer { email } }`, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("token after a password change: %d %v", r.status, r.Data)
	}
	// Customers' failed sign-ins from this address do not lock the admin out.
	for i := 0; i < 8; i++ {
		a.gql(t, nil, login, map[string]any{"e": fmt.Sprintf("nobody%d@example.com", i), "p": "guess"})
	}
	a.client().signIn("admin", "correct-horse-1") // fails the test when refused
}

// A coupon that stopped applying (the shopper left the rule's audience) does not block
// another.
func TestGraphQLStaleCouponCanBeReplaced(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	local, _ := a.full.Audiences.LocalIDs(ctx, []string{s.cdp[0]})
	for code, audience := range map[string]bool{"MEMBERS": true, "ANYONE": false} {
		cond := pricerules.All()
		if audience {
			cond = pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{fmt.Sprint(local[s.cdp[0]])}})
		}
		if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: code, Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
			CouponType: pricerules.CouponSpecific, CouponCode: code, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
			Conditions: cond, ActionConditions: pricerules.All()}); err != nil {
			t.Fatal(err)
		}
	}
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	vars := map[string]any{"id": id}
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 1}]) { cart { id } } }`, vars).ok(t)
	a.gql(t, member, `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "MEMBERS"}) { cart { id } } }`, vars).ok(t)
	if r := a.gql(t, member, `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "ANYONE"}) { cart { id } } }`, vars); !strings.Contains(r.errorText(), "already applied") {
		t.Fatalf("a second coupon over an applied one: %s", r.errorText())
	}
	r := a.gql(t, nil, `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "ANYONE"}) { cart { applied_coupons { code } } } }`, vars).ok(t)
	if r.str("applyCouponToCart.cart.applied_coupons.0.code") != "ANYONE" {
		t.Fatalf("replacing a stale coupon: %v", r.Data)
	}
}

// Repeated membership headers are one list, as HTTP has it.
func TestGraphQLRepeatedMembershipHeaders(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	body := strings.NewReader(`{"query":"{ dynamicBlocks(input: {type: SPECIFIED, placement_locations: [\"home.hero\"]}) { items { content { html } } } }"}`)
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Add("aep-segments-membership", s.cdp[3])
	req.Header.Add("aep-segments-membership", s.cdp[0])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if !strings.Contains(out.String(), "Runners welcome") {
		t.Fatalf("the second header was ignored: %s", out.String())
	}
}

// The limits hold however the request is written: fragments do not hide top-level fields,
// a request signs in once, and a page number too large for the database is refused.
func TestGraphQLLimitsHoldThroughFragments(t *testing.T) {
	s := newShop(t)
	a := s.a
	var fields strings.Builder
	for i := 0; i < 21; i++ {
		fmt.Fprintf(&fields, "c%d: createGuestCart { cart { id } } ", i)
	}
	r := a.gql(t, nil, "mutation { ...F } fragment F on Mutation { "+fields.String()+"}", nil)
	if !strings.Contains(r.errorText(), "at most 20 top-level fields") {
		t.Fatalf("fragment: %s", r.errorText())
	}
	r = a.gql(t, nil, "mutation { ... on Mutation { "+fields.String()+"} }", nil)
	if !strings.Contains(r.errorText(), "at most 20 top-level fields") {
		t.Fatalf("inline fragment: %s", r.errorText())
	}
	var carts int
	a.db.Raw("SELECT COUNT(*) FROM carts").Scan(&carts)
	if carts != 0 {
		t.Fatalf("%d carts created by refused requests", carts)
	}
	r = a.gql(t, nil, `mutation { a: generateCustomerToken(email: "x@example.com", password: "p") { token } b: generateCustomerToken(email: "y@example.com", password: "p") { token } }`, nil)
	if r.errorText() != "A request may sign in only once." {
		t.Fatalf("two sign-ins: %s", r.errorText())
	}
	if r := a.gql(t, nil, `{ products(search: "e", currentPage: 2147483647) { total_count } }`, nil); !strings.Contains(r.errorText(), "currentPage value must be at most") {
		t.Fatalf("huge page: %s", r.errorText())
	}
	if r := a.gql(t, nil, `{ dynamicBlocks(input: {type: SPECIFIED}, currentPage: 2147483647) { total_count } }`, nil); !strings.Contains(r.errorText(), "currentPage value must be at most") {
		t.Fatalf("huge blocks page: %s", r.errorText())
	}
	// 20 carts of 60 fields each through a fragment cost 1,220: refused, each time it is
	// asked (an operation's cost is remembered), whatever its variables.
	var heavy, light strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&heavy, "c%d: cart(cart_id: $c) { ...C } ", i)
	}
	for i := 0; i < 60; i++ {
		fmt.Fprintf(&light, "f%d: id ", i)
	}
	q := "query($c: String!) { " + heavy.String() + "} fragment C on Cart { " + light.String() + "}"
	for _, id := range []string{"one", "two"} {
		r := a.gql(t, nil, q, map[string]any{"c": id})
		if !strings.Contains(r.errorText(), "operation has complexity 1220, which exceeds the limit of 1000") || r.Data["c0"] != nil {
			t.Fatalf("costly query: %s", r.errorText())
		}
	}
}

// A guest's cart cookie never opens a customer's cart on the reference storefront.
func TestStorefrontGuestCookieCannotOpenACustomersCart(t *testing.T) {
	a, _ := newStore(t)
	ctx := context.Background()
	if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "correct horse 42"}); err != nil {
		t.Fatal(err)
	}
	token := a.gql(t, nil, `mutation { generateCustomerToken(email: "bo@example.com", password: "correct horse 42") { token } }`, nil).ok(t).str("generateCustomerToken.token")
	bo := map[string]string{"Authorization": "Bearer " + token}
	id := a.gql(t, bo, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id")
	a.gql(t, bo, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 2}]) { cart { id } } }`, map[string]any{"id": id}).ok(t)
	p := a.client().getWithCookie("/store/cart", "aa_cart", id)
	if p.testid("cart-line").Length() != 0 || p.testid("cart-empty").Length() != 1 {
		t.Fatalf("a guest cookie opened the customer's cart: %q", p.text("main"))
	}
}

// The headless checkout and the orders grid on both databases: a customer signs in, the
// audience rule applies, the order is placed and listed with its rule.
func TestGraphQLCheckoutOnBothDatabases(t *testing.T) {
	dbtest.ForEach(t, func(t *testing.T, d *db.DB) {
		a := newAppOn(t, d)
		_, cdp := withCDP(t, a)
		ctx := context.Background()
		if _, err := a.full.Syncer.Run(ctx, "manual"); err != nil {
			t.Fatal(err)
		}
		csv := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Running tee,25.00,0.2,Tees,base,\n"
		if _, err := a.full.Catalog.Import(ctx, actorT(), strings.NewReader(csv)); err != nil {
			t.Fatal(err)
		}
		local, _ := a.full.Audiences.LocalIDs(ctx, []string{cdp[0]})
		if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Runners 2+1", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
			CouponType: pricerules.CouponNone, Action: pricerules.BuyXGetY, Amount: 1, Step: 2, FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "Buy 2, get 1 free",
			Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{itoa(local[cdp[0]])}}),
			ActionConditions: pricerules.All()}); err != nil {
			t.Fatal(err)
		}
		if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
			Password: "correct horse 42"}); err != nil {
			t.Fatal(err)
		}
		token := a.gql(t, nil, `mutation { generateCustomerToken(email: "bo@example.com", password: "correct horse 42") { token } }`, nil).ok(t).str("generateCustomerToken.token")
		bo := map[string]string{"Authorization": "Bearer " + token, "aep-segments-membership": cdp[0]}
		id := a.gql(t, bo, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id")
		r := a.gql(t, bo, `mutation($id: String!) {
			addProductsToCart(cartId: $id, cartItems: [{sku: "tee-1", quantity: 3}]) { cart { id } }
			setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Bo", lastname: "Diaz", street: ["2 Elm"], city: "Reno", country_code: "US"}}]}) { cart { id } }
			setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }
			setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }
			setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { prices { grand_total { value } discounts { label } } } } }`,
			map[string]any{"id": id}).ok(t)
		if r.str("setPaymentMethodOnCart.cart.prices.grand_total.value") != "65" || r.str("setPaymentMethodOnCart.cart.prices.discounts.0.label") != "Buy 2, get 1 free" {
			t.Fatalf("cart: %v", r.Data)
		}
		number := a.gql(t, bo, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } } }`, map[string]any{"id": id}).ok(t).str("placeOrder.order.order_number")
		if number != "000000001" {
			t.Fatalf("order number %q", number)
		}
		if again := a.gql(t, bo, `{ customerCart { id total_quantity } }`, nil).ok(t); again.str("customerCart.id") == id || again.str("customerCart.total_quantity") != "0" {
			t.Fatalf("after the order the customer has a new, empty cart: %v", again.Data)
		}
		a.createAdmin("admin", "correct-horse-1")
		c := a.client()
		c.signIn("admin", "correct-horse-1")
		p := c.get("/admin/sales/orders?q=BO%40")
		if p.text(`[data-testid="order-number"]`) != number || p.text(`[data-testid="order-rules"]`) != "Runners 2+1" || p.text(`[data-testid="order-total"]`) != "USD 65.00" {
			t.Fatalf("orders grid: %q", p.text(`[data-testid="orders-grid"]`))
		}
	})
}

// A query using @defer (a built-in directive clients may send) is answered whole, in one
// response: the storefront API streams nothing, and the generated code's deferred groups
// stay empty (see internal/storefront/exec/edits.go).
func TestDeferIsAnsweredWhole(t *testing.T) {
	s := newShop(t)
	a := s.a
	cart := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	a.gql(t, nil, `mutation($c: String!) { addProductsToCart(cartId: $c, cartItems: [{sku: "TEE-1", quantity: 3}]) { cart { id } } }`, map[string]any{"c": cart}).ok(t)
	r := a.gql(t, map[string]string{"aep-segments-membership": s.cdp[0]},
		`query($c: String!) { cart(cart_id: $c) { id ... @defer(label: "later") { items { quantity prices { total_item_discount { value } } } prices { grand_total { value } } } } }`,
		map[string]any{"c": cart}).ok(t)
	if r.str("cart.items.0.quantity") != "3" || r.str("cart.items.0.prices.total_item_discount.value") != "25" || r.str("cart.prices.grand_total.value") != "50" {
		t.Fatalf("deferred fields: %+v", r.Data)
	}
}

// Fields under @skip and @include follow the variables of each request, though what an
// object's selection collects is remembered across requests: through fields, inline
// fragments and fragment spreads, asked again and again with the variables changing.
func TestGraphQLSkipAndIncludeFollowEachRequest(t *testing.T) {
	s := newShop(t)
	a := s.a
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	q := `query($c: String!, $qty: Boolean!, $items: Boolean!, $coupons: Boolean!) {
	  cart(cart_id: $c) {
	    id
	    total_quantity @include(if: $qty)
	    ... on Cart @skip(if: $items) { items { uid } }
	    ...Coupons @include(if: $coupons)
	  }
	}
	fragment Coupons on Cart { applied_coupons { code } }`
	for round := 0; round < 3; round++ {
		for _, v := range []map[string]bool{
			{"qty": true, "items": true, "coupons": false},
			{"qty": false, "items": false, "coupons": true},
			{"qty": true, "items": false, "coupons": true},
			{"qty": false, "items": true, "coupons": false},
		} {
			r := a.gql(t, nil, q, map[string]any{"c": id, "qty": v["qty"], "items": v["items"], "coupons": v["coupons"]}).ok(t)
			cart := r.at("cart").(map[string]any)
			_, qty := cart["total_quantity"]
			_, items := cart["items"]
			_, coupons := cart["applied_coupons"]
			if cart["id"] != id || qty != v["qty"] || items == v["items"] || coupons != v["coupons"] {
				t.Fatalf("round %d, variables %v: %v", round, v, cart)
			}
		}
	}
}

// Magento's error channels, which clients such as Venia read: a query that does not
// validate is HTTP 200 with category "graphql" (GET and POST); the address book and the
// order history are a signed-in customer's own; a country that is not one, a gift card
// this store does not sell and an unknown email format get Magento's errors.
func TestGraphQLMagentoErrorChannels(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	for _, get := range []bool{false, true} {
		var res *http.Response
		var err error
		if get {
			res, err = http.Get(a.server.URL + "/graphql?query=" + url.QueryEscape(`{ nope }`))
		} else {
			res, err = http.Post(a.server.URL+"/graphql", "application/json", strings.NewReader(`{"query":"{ cart(cart_id: 1) { id } }"}`))
		}
		if err != nil {
			t.Fatal(err)
		}
		var out gqlResponse
		json.NewDecoder(res.Body).Decode(&out)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || len(out.Errors) != 1 || out.Errors[0].Extensions["category"] != "graphql" {
			t.Fatalf("invalid query (GET %v): %d %+v", get, res.StatusCode, out.Errors)
		}
	}
	if r := a.gql(t, nil, `{ customer { addresses { id } } }`, nil); r.errorText() != "The current customer isn't authorized." || r.Errors[0].Extensions["category"] != "graphql-authorization" {
		t.Fatalf("a guest's address book: %+v", r.Errors)
	}
	var tokens [2]string
	for i, email := range []string{"ann@example.com", "bo@example.com"} {
		if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: email, Firstname: "A", Lastname: "B", GroupID: 1, Password: "correct horse 42"}); err != nil {
			t.Fatal(err)
		}
		tokens[i] = a.gql(t, nil, `mutation($e: String!) { generateCustomerToken(email: $e, password: "correct horse 42") { token } }`, map[string]any{"e": email}).ok(t).str("generateCustomerToken.token")
	}
	ann, bo := map[string]string{"Authorization": "Bearer " + tokens[0]}, map[string]string{"Authorization": "Bearer " + tokens[1]}
	r := a.gql(t, ann, `mutation { createCustomerAddress(input: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", region: {region_code: "TX"},
		country_code: US, telephone: "555", default_billing: true}) { id region { region } } }`, nil).ok(t)
	id := r.str("createCustomerAddress.id")
	if r.str("createCustomerAddress.region.region") != "Texas" {
		t.Fatalf("saved address: %v", r.Data)
	}
	if r := a.gql(t, ann, `mutation { createCustomerAddress(input: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", country_code: US, telephone: "555",
		region: {region: "Atlantis"}}) { id } }`, nil); !strings.Contains(r.errorText(), "regionId") || r.Errors[0].Extensions["category"] != "graphql-input" {
		t.Fatalf("unknown region: %+v", r.Errors)
	}
	for _, q := range []string{`mutation($id: Int!) { updateCustomerAddress(id: $id, input: {city: "Waco"}) { id } }`, `mutation($id: Int!) { deleteCustomerAddress(id: $id) }`} {
		if r := a.gql(t, bo, q, map[string]any{"id": id}); r.errorText() != fmt.Sprintf("Could not find a address with ID %q", id) || r.Errors[0].Extensions["category"] != "graphql-no-such-entity" {
			t.Fatalf("another customer's address: %+v", r.Errors)
		}
	}
	cart := a.gql(t, bo, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id")
	if r := a.gql(t, bo, `mutation($c: String!, $id: Int!) { setShippingAddressesOnCart(input: {cart_id: $c, shipping_addresses: [{customer_address_id: $id}]}) { cart { id } } }`,
		map[string]any{"c": cart, "id": id}); !strings.Contains(r.errorText(), "Could not find a address") {
		t.Fatalf("another customer's address on a cart: %+v", r.Errors)
	}
	if r := a.gql(t, ann, `mutation($id: Int!) { deleteCustomerAddress(id: $id) }`, map[string]any{"id": id}); !strings.Contains(r.errorText(), "default address") {
		t.Fatalf("deleting the default address: %+v", r.Errors)
	}
	if r := a.gql(t, bo, `{ customer { orders(filter: {number: {eq: "000000001"}}) { total_count items { number } } } }`, nil).ok(t); r.str("customer.orders.total_count") != "0" {
		t.Fatalf("orders: %v", r.Data)
	}
	for q, want := range map[string]string{
		`{ country(id: "XX") { id } }`:                                                                      "The country isn't available.",
		`{ giftCardAccount(input: {gift_card_code: "GC1"}) { code } }`:                                      `The gift card account "GC1" was not found.`,
		`{ isEmailAvailable(email: "not an email") { is_email_available } }`:                                "Email is invalid",
		`mutation { applyGiftCardToCart(input: {cart_id: "nope", gift_card_code: "GC1"}) { cart { id } } }`: `Could not find a cart with ID "nope"`,
	} {
		if r := a.gql(t, nil, q, nil); r.errorText() != want || r.status != http.StatusOK {
			t.Errorf("%s: %d %s, want %s", q, r.status, r.errorText(), want)
		}
	}
	if r := a.gql(t, nil, `{ country(id: "us") { full_name_english available_regions { code } } storeConfig { store_code base_currency_code product_url_suffix } }`, nil).ok(t); r.str("country.full_name_english") != "United States" ||
		r.str("storeConfig.store_code") != "default" || r.str("storeConfig.base_currency_code") != "USD" {
		t.Fatalf("country and store config: %v", r.Data)
	}
}
