package web_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/config"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
)

// gqlResponse is a GraphQL answer: its HTTP status, data and errors.
type gqlResponse struct {
	status int
	Data   map[string]any `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// at reads a value of the data by a dotted path ("cart.items.0.uid").
func (r gqlResponse) at(path string) any {
	var v any = r.Data
	for _, k := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[k]
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (r gqlResponse) str(path string) string { return fmt.Sprint(r.at(path)) }

func (r gqlResponse) errorText() string {
	var msgs []string
	for _, e := range r.Errors {
		msgs = append(msgs, e.Message)
	}
	return strings.Join(msgs, " | ")
}

// gql posts a GraphQL request with headers, as a headless storefront does.
func (a *app) gql(t *testing.T, headers map[string]string, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := gqlResponse{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatalf("decoding the answer (%d): %v", res.StatusCode, err)
	}
	return out
}

// ok fails the test when the answer has errors.
func (r gqlResponse) ok(t *testing.T) gqlResponse {
	t.Helper()
	if len(r.Errors) > 0 || r.status != http.StatusOK {
		t.Fatalf("GraphQL %d: %s", r.status, r.errorText())
	}
	return r
}

// newStore is a store with audiences synced from the CDP emulator and two products: a tee
// at 25.00 and a mug at 9.50.
func newStore(t *testing.T) (*app, []string) {
	t.Helper()
	a := newApp(t)
	_, cdp := withCDP(t, a)
	ctx := context.Background()
	if _, err := a.full.Syncer.Run(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	csv := "sku,name,price,weight,categories,websites,attributes\nTEE-1,Running tee,25.00,0.2,Tees,base,\nMUG,Coffee mug,9.50,0.4,Home,base,\n"
	if _, err := a.full.Catalog.Import(ctx, actorT(), strings.NewReader(csv)); err != nil {
		t.Fatal(err)
	}
	return a, cdp
}

// shopFixture is a store with two products, synced audiences, and a rule "buy 2 get 1
// free" on tees for the first audience.
type shopFixture struct {
	a    *app
	cdp  []string // CDP ids of the synced audiences
	rule pricerules.Rule
}

func newShop(t *testing.T) shopFixture {
	t.Helper()
	a, cdp := newStore(t)
	ctx := context.Background()
	local, _ := a.full.Audiences.LocalIDs(ctx, []string{cdp[0]})
	rule, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Runners: buy 2 get 1", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0, 1},
		CouponType: pricerules.CouponNone, Action: pricerules.BuyXGetY, Amount: 1, Step: 2, FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "Buy 2, get 1 free",
		Conditions:       pricerules.All(pricerules.Condition{Kind: pricerules.KindAudience, Operator: pricerules.OpOneOf, Values: []string{strconv.FormatInt(local[cdp[0]], 10)}}),
		ActionConditions: pricerules.All(pricerules.Condition{Kind: pricerules.KindProduct, Attribute: pricerules.AttrSKU, Operator: pricerules.OpIs, Value: "TEE-1"})})
	if err != nil {
		t.Fatal(err)
	}
	return shopFixture{a: a, cdp: cdp, rule: rule}
}

const cartFields = `id email total_quantity
	items { uid quantity product { sku } prices { price { value } row_total { value } total_item_discount { value } discounts { label amount { value } } } }
	prices { subtotal_excluding_tax { value currency } subtotal_with_discount_excluding_tax { value } grand_total { value } discounts { label applied_to amount { value } } }
	applied_coupons { code } rules { name }
	shipping_addresses { city available_shipping_methods { carrier_code method_code amount { value } } selected_shipping_method { carrier_code amount { value } } }
	available_payment_methods { code } selected_payment_method { code }`

// A headless guest checkout: discounts and labels only with the audience in the header,
// a refused and an accepted coupon, the checkout steps in Magento's order, and the order
// with its rules.
func TestGraphQLGuestCheckoutAppliesAudienceRules(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Five off", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponSpecific, CouponCode: "FIVE", Action: pricerules.CartFixed, Amount: 500, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel: "Five off", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	member := map[string]string{"aep-segments-membership": url.QueryEscape(s.cdp[0] + "," + s.cdp[5])}
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	vars := map[string]any{"id": id}
	r := a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 3}, {sku: "NOPE", quantity: 1}]) {
		user_errors { code message } cart { `+cartFields+` } } }`, vars).ok(t)
	if r.str("addProductsToCart.user_errors.0.code") != "PRODUCT_NOT_FOUND" || r.str("addProductsToCart.cart.total_quantity") != "3" {
		t.Fatalf("add: %v", r.Data)
	}
	if r.str("addProductsToCart.cart.prices.grand_total.value") != "75" || fmt.Sprint(r.at("addProductsToCart.cart.rules")) != "[]" {
		t.Fatalf("a shopper with no membership got a discount: %v", r.at("addProductsToCart.cart.prices"))
	}
	// The same cart for a member of the audience: one tee free, labelled, at once.
	r = a.gql(t, member, `query($id: String!) { cart(cart_id: $id) { `+cartFields+` } }`, vars).ok(t)
	if r.str("cart.items.0.prices.total_item_discount.value") != "25" || r.str("cart.items.0.prices.discounts.0.label") != "Buy 2, get 1 free" ||
		r.str("cart.prices.discounts.0.label") != "Buy 2, get 1 free" || r.str("cart.prices.grand_total.value") != "50" ||
		r.str("cart.rules.0.name") != "Runners: buy 2 get 1" || r.str("cart.prices.subtotal_excluding_tax.currency") != "USD" {
		t.Fatalf("member cart: %v", r.Data)
	}
	// Coupons: Magento's refusal for an unknown code, then the code applied.
	r = a.gql(t, member, `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "NOPE"}) { cart { id } } }`, vars)
	if r.errorText() != "The coupon code isn't valid. Verify the code and try again." || r.Errors[0].Extensions["category"] != "graphql-input" {
		t.Fatalf("unknown coupon: %s %v", r.errorText(), r.Errors)
	}
	r = a.gql(t, member, `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "FIVE"}) { cart { `+cartFields+` } } }`, vars).ok(t)
	if r.str("applyCouponToCart.cart.applied_coupons.0.code") != "FIVE" || r.str("applyCouponToCart.cart.prices.grand_total.value") != "45" {
		t.Fatalf("coupon: %v", r.at("applyCouponToCart.cart"))
	}
	// Placing the order before the checkout steps names what is missing.
	r = a.gql(t, member, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } errors { code message } } }`, vars).ok(t)
	if r.str("placeOrder.errors.0.code") != "GUEST_EMAIL_MISSING" {
		t.Fatalf("early order: %v", r.Data)
	}
	r = a.gql(t, nil, `mutation($id: String!) { setGuestEmailOnCart(input: {cart_id: $id, email: "not an email"}) { cart { id } } }`, vars)
	if r.errorText() != "Invalid email format" {
		t.Fatalf("bad email: %s", r.errorText())
	}
	a.gql(t, nil, `mutation($id: String!) { setGuestEmailOnCart(input: {cart_id: $id, email: "ann@example.com"}) { cart { email } } }`, vars).ok(t)
	r = a.gql(t, nil, `mutation($id: String!) { setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } } }`, vars)
	if r.errorText() != "The shipping address is missing. Set the address and try again." {
		t.Fatalf("method before address: %s", r.errorText())
	}
	r = a.gql(t, nil, `mutation($id: String!) { setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "", street: ["1 Main St"], city: "Austin", country_code: "US"}}]}) { cart { id } } }`, vars)
	if r.errorText() != `"lastname" is required. Enter and try again.` {
		t.Fatalf("address without lastname: %s", r.errorText())
	}
	r = a.gql(t, member, `mutation($id: String!) { setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", region: "TX", postcode: "78701", country_code: "us", telephone: "555"}}]}) { cart { `+cartFields+` } } }`, vars).ok(t)
	// The flat rate is 5.00 per item; it is offered, not charged, until it is chosen.
	if r.str("setShippingAddressesOnCart.cart.shipping_addresses.0.available_shipping_methods.0.amount.value") != "15" ||
		r.at("setShippingAddressesOnCart.cart.shipping_addresses.0.selected_shipping_method") != nil ||
		r.str("setShippingAddressesOnCart.cart.prices.grand_total.value") != "45" {
		t.Fatalf("address: %v", r.at("setShippingAddressesOnCart.cart"))
	}
	r = a.gql(t, member, `mutation($id: String!) { setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { `+cartFields+` } } }`, vars).ok(t)
	if r.str("setShippingMethodsOnCart.cart.shipping_addresses.0.selected_shipping_method.amount.value") != "15" ||
		r.str("setShippingMethodsOnCart.cart.prices.grand_total.value") != "60" {
		t.Fatalf("shipping: %v", r.at("setShippingMethodsOnCart.cart"))
	}
	r = a.gql(t, nil, `mutation($id: String!) { setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "paypal"}}) { cart { id } } }`, vars)
	if r.errorText() != "The requested Payment Method is not available." {
		t.Fatalf("unknown payment: %s", r.errorText())
	}
	a.gql(t, nil, `mutation($id: String!) { setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { selected_payment_method { code } } } }`, vars).ok(t)
	a.gql(t, nil, `mutation($id: String!) { setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } } }`, vars).ok(t)
	r = a.gql(t, member, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } errors { code message } } }`, vars).ok(t)
	number := r.str("placeOrder.order.order_number")
	if !strings.HasPrefix(number, "0000000") {
		t.Fatalf("order: %v", r.Data)
	}
	var o struct {
		Email      string
		Discount   int64
		Shipping   int64
		GrandTotal int64
		CouponCode string
	}
	a.db.Raw("SELECT email, discount, shipping, grand_total, coupon_code FROM orders WHERE increment_id = ?", number).Scan(&o)
	if o.Email != "ann@example.com" || o.Discount != 3000 || o.Shipping != 1500 || o.GrandTotal != 6000 || o.CouponCode != "FIVE" {
		t.Fatalf("stored order: %+v", o)
	}
	var rules int
	a.db.Raw("SELECT COUNT(*) FROM order_rules").Scan(&rules)
	if rules != 2 {
		t.Fatalf("order rules: %d", rules)
	}
	// The cart is closed.
	r = a.gql(t, nil, `query($id: String!) { cart(cart_id: $id) { id } }`, vars)
	if r.errorText() != fmt.Sprintf("Could not find a cart with ID %q", id) || r.Errors[0].Extensions["category"] != "graphql-no-such-entity" {
		t.Fatalf("closed cart: %s", r.errorText())
	}
}

// Cart lines change by uid; bad quantities and unknown items get Magento's messages.
func TestGraphQLCartItemsChange(t *testing.T) {
	s := newShop(t)
	a := s.a
	id := a.gql(t, nil, `mutation { createEmptyCart }`, nil).ok(t).str("createEmptyCart")
	vars := map[string]any{"id": id}
	r := a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 1}, {sku: "MUG", quantity: 2}]) { cart { items { uid product { sku } } } } }`, vars).ok(t)
	tee, mug := r.str("addProductsToCart.cart.items.0.uid"), r.str("addProductsToCart.cart.items.1.uid")
	vars["tee"], vars["mug"] = tee, mug
	r = a.gql(t, nil, `mutation($id: String!, $tee: ID) { updateCartItems(input: {cart_id: $id, cart_items: [{cart_item_uid: $tee, quantity: 4}]}) { cart { total_quantity } } }`, vars).ok(t)
	if r.str("updateCartItems.cart.total_quantity") != "6" {
		t.Fatalf("update: %v", r.Data)
	}
	r = a.gql(t, nil, `mutation($id: String!, $tee: ID) { updateCartItems(input: {cart_id: $id, cart_items: [{cart_item_uid: $tee, quantity: 1.5}]}) { cart { total_quantity } } }`, vars)
	if !strings.Contains(r.errorText(), "whole quantity") {
		t.Fatalf("fractional qty: %s", r.errorText())
	}
	r = a.gql(t, nil, `mutation($id: String!, $mug: ID) { removeItemFromCart(input: {cart_id: $id, cart_item_uid: $mug}) { cart { items { product { sku } } } } }`, vars).ok(t)
	if r.str("removeItemFromCart.cart.items.0.product.sku") != "TEE-1" || r.at("removeItemFromCart.cart.items.1") != nil {
		t.Fatalf("remove: %v", r.Data)
	}
	r = a.gql(t, nil, `mutation($id: String!, $mug: ID) { removeItemFromCart(input: {cart_id: $id, cart_item_uid: $mug}) { cart { id } } }`, vars)
	if r.errorText() != "The cart doesn't contain the item" {
		t.Fatalf("remove twice: %s", r.errorText())
	}
	r = a.gql(t, nil, `{ cart(cart_id: "nope") { id } }`, nil)
	if r.errorText() != `Could not find a cart with ID "nope"` {
		t.Fatalf("unknown cart: %s", r.errorText())
	}
	r = a.gql(t, map[string]string{"Store": "nowhere"}, `{ cart(cart_id: "nope") { id } }`, nil)
	if r.status != http.StatusNotFound || r.errorText() != "Requested store is not found" {
		t.Fatalf("unknown store: %d %s", r.status, r.errorText())
	}
	r = a.gql(t, nil, `{ products(filter: {sku: {in: ["MUG", "TEE-1"]}}) { total_count items { sku name price_range { minimum_price { final_price { value currency } } } } } }`, nil).ok(t)
	if r.str("products.total_count") != "2" || r.str("products.items.0.sku") != "MUG" || r.str("products.items.0.price_range.minimum_price.final_price.value") != "9.5" {
		t.Fatalf("products: %v", r.Data)
	}
	if r := a.gql(t, nil, `{ cart(cart_id: "x") { id } customer { email } } `, nil); len(r.Errors) == 0 {
		t.Fatal("a guest read a customer")
	}
}

// A customer signs in for a token; their group's rules apply; their cart is theirs
// alone; sign-in is throttled and a revoked token stops working.
func TestGraphQLCustomerTokenFlow(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "Bo@Example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "correct horse 42"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "General 10%", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{1},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo, DefaultLabel: "Members 10%",
		Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	login := `mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }`
	r := a.gql(t, nil, login, map[string]any{"e": "bo@example.com", "p": "wrong"})
	if r.errorText() != "The account sign-in was incorrect or your account is disabled temporarily. Please wait and try again later." {
		t.Fatalf("wrong password: %s", r.errorText())
	}
	token := a.gql(t, nil, login, map[string]any{"e": "bo@example.com", "p": "correct horse 42"}).ok(t).str("generateCustomerToken.token")
	if len(token) != 64 {
		t.Fatalf("token %q", token)
	}
	var stored int
	a.db.Raw("SELECT COUNT(*) FROM customer_tokens WHERE token_hash = ?", token).Scan(&stored)
	if stored != 0 {
		t.Fatal("the token is stored as issued")
	}
	bo := map[string]string{"Authorization": "Bearer " + token}
	r = a.gql(t, bo, `{ customer { firstname lastname email } customerCart { id } }`, nil).ok(t)
	if r.str("customer.firstname") != "Bo" || r.str("customer.email") != "Bo@Example.com" {
		t.Fatalf("customer: %v", r.Data)
	}
	cartID := r.str("customerCart.id")
	vars := map[string]any{"id": cartID}
	r = a.gql(t, bo, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 2}]) { cart { email prices { grand_total { value } discounts { label } } } } }`, vars).ok(t)
	if r.str("addProductsToCart.cart.prices.discounts.0.label") != "Members 10%" || r.str("addProductsToCart.cart.prices.grand_total.value") != "17.1" ||
		r.str("addProductsToCart.cart.email") != "Bo@Example.com" {
		t.Fatalf("customer cart: %v", r.Data)
	}
	if again := a.gql(t, bo, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id"); again != cartID {
		t.Fatalf("a second cart %s for the customer", again)
	}
	// Another shopper holding the id cannot use the customer's cart.
	r = a.gql(t, nil, `query($id: String!) { cart(cart_id: $id) { id } }`, vars)
	if r.errorText() != fmt.Sprintf("The current user cannot perform operations on cart %q", cartID) || r.Errors[0].Extensions["category"] != "graphql-authorization" {
		t.Fatalf("guest on a customer's cart: %s", r.errorText())
	}
	r = a.gql(t, nil, `{ customerCart { id } }`, nil)
	if r.errorText() != "The current customer isn't authorized." {
		t.Fatalf("customerCart as a guest: %s", r.errorText())
	}
	// The customer places the order without a guest email.
	for _, m := range []string{
		`setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Bo", lastname: "Diaz", street: ["2 Elm"], city: "Reno", country_code: "US"}}]}) { cart { id } }`,
		`setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }`,
		`setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }`,
		`setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } }`,
	} {
		a.gql(t, bo, `mutation($id: String!) { `+m+` }`, vars).ok(t)
	}
	r = a.gql(t, bo, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } errors { message } } }`, vars).ok(t)
	if r.at("placeOrder.order.order_number") == nil {
		t.Fatalf("customer order: %v", r.Data)
	}
	var uses int
	a.db.Raw("SELECT COALESCE(SUM(times_used), 0) FROM price_rule_customer_usage").Scan(&uses)
	if uses != 1 {
		t.Fatalf("per-customer rule uses recorded: %d", uses)
	}
	// Sign-out: the token no longer works.
	a.gql(t, bo, `mutation { revokeCustomerToken { result } }`, nil).ok(t)
	if r := a.gql(t, bo, `{ customer { email } }`, nil); r.status != http.StatusUnauthorized || r.errorText() != "The current customer isn't authorized." {
		t.Fatalf("revoked token: %d %s", r.status, r.errorText())
	}
	// Guessing is throttled: after five failures even the right password is refused.
	for i := 0; i < 5; i++ {
		a.gql(t, nil, login, map[string]any{"e": "bo@example.com", "p": fmt.Sprintf("guess %d", i)})
	}
	if r := a.gql(t, nil, login, map[string]any{"e": "bo@example.com", "p": "correct horse 42"}); r.at("generateCustomerToken") != nil {
		t.Fatal("sign-in was not throttled after repeated failures")
	}
}

// blocksFixture adds blocks and placements: a hero for audience 0 and one for everyone in a
// series, a header block, and a block related to the fixture's rule.
func blocksFixture(t *testing.T, s shopFixture) map[string]dynamicblocks.Block {
	t.Helper()
	ctx := context.Background()
	a := s.a
	local, _ := a.full.Audiences.LocalIDs(ctx, []string{s.cdp[0]})
	out := map[string]dynamicblocks.Block{}
	for name, b := range map[string]dynamicblocks.Block{
		"member": {Type: dynamicblocks.TypeContent, AudienceIDs: []int64{local[s.cdp[0]]}, Content: "<h2>Runners welcome</h2>"},
		"all":    {Type: dynamicblocks.TypeContent, Content: "<h2>Hello everyone</h2>"},
		"header": {Type: dynamicblocks.TypeHeader, Content: "<p>Free returns</p>"},
		"rule":   {Type: dynamicblocks.TypeAny, Content: "<p>Your third tee is on us</p>", RuleIDs: []int64{s.rule.ID}},
	} {
		b.Name, b.Enabled = name, true
		saved, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), b)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = saved
	}
	for _, p := range []dynamicblocks.Placement{
		{Title: "Hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll,
			Blocks: []dynamicblocks.PlacementBlock{{BlockID: out["member"].ID}, {BlockID: out["all"].ID, SortOrder: 1}}},
		{Title: "Header", Location: "header", Display: dynamicblocks.DisplaySpecified, Rotation: dynamicblocks.RotateAll,
			Blocks: []dynamicblocks.PlacementBlock{{BlockID: out["header"].ID}}},
		{Title: "Cart offers", Location: "cart.top", Display: dynamicblocks.DisplayRuleRelated, Rotation: dynamicblocks.RotateAll},
	} {
		if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), p); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

const blocksQuery = `query($in: DynamicBlocksFilterInput) { dynamicBlocks(input: $in) { total_count rotation_state items { uid audience_id placement_location content { html } } } }`

func htmls(r gqlResponse) []string {
	var out []string
	items, _ := r.at("dynamicBlocks.items").([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["content"].(map[string]any)["html"].(string))
	}
	return out
}

// dynamicBlocks answers each type with the shopper's blocks, filtered as asked.
func TestGraphQLDynamicBlocks(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocks := blocksFixture(t, s)
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	specified := map[string]any{"type": "SPECIFIED"}
	r := a.gql(t, nil, blocksQuery, map[string]any{"in": specified}).ok(t)
	if got := strings.Join(htmls(r), ","); got != "<h2>Hello everyone</h2>,<p>Free returns</p>" {
		t.Fatalf("guest blocks: %s", got)
	}
	r = a.gql(t, member, blocksQuery, map[string]any{"in": specified}).ok(t)
	if got := strings.Join(htmls(r), ","); got != "<h2>Runners welcome</h2>,<h2>Hello everyone</h2>,<p>Free returns</p>" ||
		r.str("dynamicBlocks.items.0.audience_id.0") != s.cdp[0] || r.str("dynamicBlocks.items.0.placement_location") != "home.hero" {
		t.Fatalf("member blocks: %v", r.Data)
	}
	for name, tc := range map[string]struct {
		in   map[string]any
		want string
	}{
		"locations":   {map[string]any{"type": "SPECIFIED", "locations": []string{"HEADER"}}, "<p>Free returns</p>"},
		"slot":        {map[string]any{"type": "SPECIFIED", "placement_locations": []string{"home.hero"}}, "<h2>Runners welcome</h2>,<h2>Hello everyone</h2>"},
		"uids":        {map[string]any{"type": "SPECIFIED", "dynamic_block_uids": []string{uid(blocks["all"].ID)}}, "<h2>Hello everyone</h2>"},
		"audience_id": {map[string]any{"type": "SPECIFIED", "audience_id": map[string]any{"eq": s.cdp[0]}}, "<h2>Runners welcome</h2>"},
		"catalog":     {map[string]any{"type": "CATALOG_PRICE_RULE_RELATED"}, ""},
	} {
		r := a.gql(t, member, blocksQuery, map[string]any{"in": tc.in}).ok(t)
		if got := strings.Join(htmls(r), ","); got != tc.want || r.str("dynamicBlocks.total_count") != strconv.Itoa(len(htmls(r))) {
			t.Errorf("%s: %q, want %q", name, got, tc.want)
		}
	}
	// CART_PRICE_RULE_RELATED: the block related to the rule shows once the rule applies.
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 3}]) { cart { id } } }`, map[string]any{"id": id}).ok(t)
	related := map[string]any{"in": map[string]any{"type": "CART_PRICE_RULE_RELATED", "cart_id": id}}
	if got := htmls(a.gql(t, nil, blocksQuery, related).ok(t)); len(got) != 0 {
		t.Fatalf("rule-related block without the rule: %v", got)
	}
	if got := htmls(a.gql(t, member, blocksQuery, related).ok(t)); len(got) != 1 || got[0] != "<p>Your third tee is on us</p>" {
		t.Fatalf("rule-related block: %v", got)
	}
	if r := a.gql(t, nil, blocksQuery, map[string]any{"in": map[string]any{"type": "CART_PRICE_RULE_RELATED"}}); !strings.Contains(r.errorText(), `"cart_id" is required`) {
		t.Fatalf("related without a cart: %s", r.errorText())
	}
}

// Series rotation on the API moves on with the rotation_state handed back.
func TestGraphQLDynamicBlocksRotate(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	var ids []dynamicblocks.PlacementBlock
	for i := 1; i <= 3; i++ {
		b, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: fmt.Sprint("Slide ", i), Enabled: true, Type: dynamicblocks.TypeContent,
			Content: fmt.Sprintf("<p>Slide %d</p>", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, dynamicblocks.PlacementBlock{BlockID: b.ID, SortOrder: i})
	}
	if _, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Slides", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
		Rotation: dynamicblocks.RotateSeries, Blocks: ids}); err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"type": "SPECIFIED"}
	var seen []string
	for i := 0; i < 4; i++ {
		r := a.gql(t, nil, blocksQuery, map[string]any{"in": in}).ok(t)
		seen = append(seen, htmls(r)...)
		in = map[string]any{"type": "SPECIFIED", "rotation_state": r.str("dynamicBlocks.rotation_state")}
	}
	if got := strings.Join(seen, ","); got != "<p>Slide 1</p>,<p>Slide 2</p>,<p>Slide 3</p>,<p>Slide 1</p>" {
		t.Fatalf("series: %s", got)
	}
}

// uid is Magento's uid of an id.
func uid(id int64) string {
	return base64.StdEncoding.EncodeToString([]byte(strconv.FormatInt(id, 10)))
}

// The membership header: URL-decoded, split, trimmed, de-duplicated, malformed and unknown
// ids dropped; oversized values refused with a 400-class error; the cookie when there is no
// header, the header when there are both.
func TestGraphQLMembershipHeader(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	in := map[string]any{"in": map[string]any{"type": "SPECIFIED", "placement_locations": []string{"home.hero"}}}
	member := func(r gqlResponse) bool {
		return len(htmls(r)) > 0 && htmls(r)[0] == "<h2>Runners welcome</h2>"
	}
	a0 := s.cdp[0]
	for name, tc := range map[string]struct {
		header string
		want   bool
	}{
		"plain":            {a0, true},
		"url-encoded":      {url.QueryEscape(" " + a0 + " , " + s.cdp[3]), true},
		"upper case":       {strings.ToUpper(a0), true},
		"duplicates":       {a0 + "," + a0 + "," + a0, true},
		"malformed beside": {"not-an-id,<script>," + a0 + ",%zz", true},
		"malformed only":   {"not-an-id,12345", false},
		"unknown":          {"00000000-0000-4000-8000-000000000000", false},
		"another audience": {s.cdp[3], false},
		"empty":            {" , ,", false},
	} {
		r := a.gql(t, map[string]string{"aep-segments-membership": tc.header}, blocksQuery, in).ok(t)
		if member(r) != tc.want {
			t.Errorf("%s: member=%v, want %v (%v)", name, member(r), tc.want, htmls(r))
		}
	}
	// Oversized: more than 256 ids, or more than 16 KiB.
	var many []string
	for i := 0; i < 257; i++ {
		many = append(many, fmt.Sprintf("00000000-0000-4000-8000-%012d", i))
	}
	for name, v := range map[string]string{"ids": strings.Join(many, ","), "bytes": a0 + "," + strings.Repeat("x", 17<<10)} {
		r := a.gql(t, map[string]string{"aep-segments-membership": v}, blocksQuery, in)
		if r.status != http.StatusBadRequest || !strings.Contains(r.errorText(), "too large") || r.Errors[0].Extensions["category"] != "graphql-input" {
			t.Errorf("oversized %s: %d %s", name, r.status, r.errorText())
		}
	}
	// The cookie counts when there is no header; the header wins over it.
	post := func(header string) gqlResponse {
		body, _ := json.Marshal(map[string]any{"query": blocksQuery, "variables": in})
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "aep-segments-membership", Value: a0})
		if header != "" {
			req.Header.Set("aep-segments-membership", header)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out gqlResponse
		json.NewDecoder(res.Body).Decode(&out)
		return out
	}
	if !member(post("")) || member(post(s.cdp[3])) {
		t.Fatal("cookie and header precedence")
	}
}

// In signed mode the header must carry a valid signature and expiry.
func TestGraphQLSignedMembership(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	ctx := context.Background()
	key := "membership-signing-key-0123456789abcdef"
	if _, err := a.full.StoreConfig.Save(ctx, actorT(), config.Default, config.Submission{Values: map[string]string{
		config.PathMembershipMode: "signed", config.PathMembershipKey: key}}); err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"in": map[string]any{"type": "SPECIFIED", "placement_locations": []string{"home.hero"}}}
	a0 := s.cdp[0]
	valid := audiences.SignMembership([]byte(key), []string{a0}, time.Now().Add(time.Hour))
	for name, v := range map[string]string{
		"plain":   a0,
		"forged":  strings.Replace(valid, a0, s.cdp[1], 1),
		"expired": audiences.SignMembership([]byte(key), []string{a0}, time.Now().Add(-time.Minute)),
		"other":   audiences.SignMembership([]byte("someone-elses-key-0123456789abcdef"), []string{a0}, time.Now().Add(time.Hour)),
	} {
		r := a.gql(t, map[string]string{"aep-segments-membership": url.QueryEscape(v)}, blocksQuery, in).ok(t)
		if got := htmls(r); len(got) != 1 || got[0] != "<h2>Hello everyone</h2>" {
			t.Errorf("%s membership: %v", name, got)
		}
	}
	r := a.gql(t, map[string]string{"aep-segments-membership": url.QueryEscape(valid)}, blocksQuery, in).ok(t)
	if got := htmls(r); len(got) != 2 {
		t.Fatalf("a validly signed membership was refused: %v", got)
	}
}

// 50 headless shoppers place orders at once with one coupon limited to 10 uses: exactly 10
// orders carry it; the other 40 are told why, and their carts stay open to try again.
func TestGraphQLConcurrentPlaceOrderHoldsTheCouponLimit(t *testing.T) {
	s := newShop(t)
	a := s.a
	if _, err := a.full.PriceRules.Save(context.Background(), actorT(), pricerules.Rule{Name: "Ten", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponSpecific, CouponCode: "TEN", UsesPerCoupon: 10, Action: pricerules.ByPercent, Amount: 1000,
		FreeShipping: pricerules.FreeShippingNo, Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	carts := make([]string, 50)
	for i := range carts {
		id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
		a.gql(t, nil, `mutation($id: String!) {
			addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 1}]) { cart { id } }
			applyCouponToCart(input: {cart_id: $id, coupon_code: "TEN"}) { cart { id } }
			setGuestEmailOnCart(input: {cart_id: $id, email: "s@example.com"}) { cart { id } }
			setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "S", lastname: "T", street: ["1 Rd"], city: "Oslo", country_code: "NO"}}]}) { cart { id } }
			setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }
			setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }
			setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } } }`, map[string]any{"id": id}).ok(t)
		carts[i] = id
	}
	type outcome struct{ number, code, message string }
	results := make(chan outcome, len(carts))
	var start sync.WaitGroup
	start.Add(1)
	for _, id := range carts {
		go func() {
			start.Wait()
			r := a.gql(t, nil, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } errors { code message } } }`, map[string]any{"id": id})
			results <- outcome{number: fmt.Sprint(r.at("placeOrder.order.order_number")), code: fmt.Sprint(r.at("placeOrder.errors.0.code")),
				message: fmt.Sprint(r.at("placeOrder.errors.0.message")) + r.errorText()}
		}()
	}
	start.Done()
	placed, refused := 0, 0
	for range carts {
		o := <-results
		switch {
		case o.code == "<nil>" && o.number != "<nil>":
			placed++
		case o.code == "UNABLE_TO_PLACE_ORDER" && (o.message == "Unable to place order: The coupon code has been used the maximum number of times." ||
			o.message == `Unable to place order: The coupon code "TEN" is not valid.`):
			refused++
		default:
			t.Errorf("unexpected answer: %+v", o)
		}
	}
	var orders, used, open int64
	a.db.Raw("SELECT COUNT(*) FROM orders WHERE coupon_code = 'TEN'").Scan(&orders)
	a.db.Raw("SELECT times_used FROM coupons").Scan(&used)
	a.db.Raw("SELECT COUNT(*) FROM carts WHERE is_active = ?", true).Scan(&open)
	if placed != 10 || refused != 40 || orders != 10 || used != 10 || open != 40 {
		t.Fatalf("placed %d refused %d; orders %d, coupon used %d, carts still open %d", placed, refused, orders, used, open)
	}
}

// A storefront API request reads only its cart from the database: rules, blocks,
// audiences, the catalog and store views come from the in-memory snapshots.
func TestGraphQLCartAndBlocksReadOnlyTheCart(t *testing.T) {
	s := newShop(t)
	a := s.a
	blocksFixture(t, s)
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	a.gql(t, nil, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 3}]) { cart { id } } }`, map[string]any{"id": id}).ok(t)
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	query := `query($id: String!) { cart(cart_id: $id) { prices { grand_total { value } discounts { label } } }
		dynamicBlocks(input: {type: CART_PRICE_RULE_RELATED, cart_id: $id}) { items { uid } }
		hero: dynamicBlocks(input: {type: SPECIFIED}) { items { uid } } }`
	a.gql(t, member, query, map[string]any{"id": id}).ok(t) // the snapshots are built by now

	var mu sync.Mutex
	var statements []string
	record := func(tx *gorm.DB) {
		mu.Lock()
		defer mu.Unlock()
		statements = append(statements, tx.Statement.SQL.String())
	}
	a.db.TracePrepared(func(q string) {
		mu.Lock()
		defer mu.Unlock()
		statements = append(statements, q)
	})
	defer a.db.TracePrepared(nil)
	g := a.db.DB
	for i, err := range []error{
		g.Callback().Query().After("gorm:query").Register("test:record-query", record),
		g.Callback().Row().After("gorm:row").Register("test:record-row", record),
		g.Callback().Raw().After("gorm:raw").Register("test:record-raw", record),
	} {
		if err != nil {
			t.Fatal(i, err)
		}
	}
	r := a.gql(t, member, query, map[string]any{"id": id}).ok(t)
	mu.Lock()
	defer mu.Unlock()
	if r.str("cart.prices.discounts.0.label") != "Buy 2, get 1 free" || r.at("dynamicBlocks.items.0") == nil || r.at("hero.items.0") == nil {
		t.Fatalf("answer: %v", r.Data)
	}
	if len(statements) == 0 || len(statements) > 3 {
		t.Fatalf("%d statements: %q", len(statements), statements)
	}
	for _, q := range statements {
		for _, table := range []string{"price_rules", "coupons", "dynamic_blocks", "block_placements", "audiences", "products", "store_views", "config_values"} {
			if strings.Contains(q, table) {
				t.Errorf("a storefront request read %s: %s", table, q)
			}
		}
	}
}

// A cart mutation reads its cart once: the read that checks the shopper may use it. The
// change answers the cart as it is after, from that read, and the answer equals what a
// fresh query reads.
func TestGraphQLMutationsReadTheirCartOnce(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	if _, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Five off", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponSpecific, CouponCode: "FIVE", Action: pricerules.CartFixed, Amount: 500, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel: "Five off", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	member := map[string]string{"aep-segments-membership": s.cdp[0]}
	id := a.gql(t, nil, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
	vars := map[string]any{"id": id}
	var mu sync.Mutex
	reads := 0
	a.db.TracePrepared(func(q string) {
		if strings.Contains(q, "FROM carts c LEFT JOIN cart_items") {
			mu.Lock()
			reads++
			mu.Unlock()
		}
	})
	defer a.db.TracePrepared(nil)
	address := `{firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", region: "TX", postcode: "78701", country_code: "US", telephone: "555"}`
	var uid string
	for _, step := range []struct{ name, doc string }{
		{"addProductsToCart", `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 2}, {sku: "NOPE", quantity: 1}, {sku: "MUG", quantity: 1}]) { cart { ` + cartFields + ` } } }`},
		{"updateCartItems", `mutation($id: String!, $uid: ID!) { updateCartItems(input: {cart_id: $id, cart_items: [{cart_item_uid: $uid, quantity: 3}]}) { cart { ` + cartFields + ` } } }`},
		{"applyCouponToCart", `mutation($id: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: "FIVE"}) { cart { ` + cartFields + ` } } }`},
		{"removeCouponFromCart", `mutation($id: String!) { removeCouponFromCart(input: {cart_id: $id}) { cart { ` + cartFields + ` } } }`},
		{"setGuestEmailOnCart", `mutation($id: String!) { setGuestEmailOnCart(input: {cart_id: $id, email: "ann@example.com"}) { cart { ` + cartFields + ` } } }`},
		{"setShippingAddressesOnCart", `mutation($id: String!) { setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: ` + address + `}]}) { cart { ` + cartFields + ` } } }`},
		{"setBillingAddressOnCart", `mutation($id: String!) { setBillingAddressOnCart(input: {cart_id: $id, billing_address: {address: ` + address + `}}) { cart { ` + cartFields + ` } } }`},
		{"setShippingMethodsOnCart", `mutation($id: String!) { setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { ` + cartFields + ` } } }`},
		{"setPaymentMethodOnCart", `mutation($id: String!) { setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { ` + cartFields + ` } } }`},
		{"removeItemFromCart", `mutation($id: String!, $uid: ID!) { removeItemFromCart(input: {cart_id: $id, cart_item_uid: $uid}) { cart { ` + cartFields + ` } } }`},
	} {
		vars["uid"] = uid
		mu.Lock()
		reads = 0
		mu.Unlock()
		r := a.gql(t, member, step.doc, vars)
		if step.name != "addProductsToCart" {
			r.ok(t)
		}
		mu.Lock()
		n := reads
		mu.Unlock()
		if n != 1 {
			t.Errorf("%s read its cart %d times, want once", step.name, n)
		}
		after := r.at(step.name + ".cart")
		fresh := a.gql(t, member, `query($id: String!) { cart(cart_id: $id) { `+cartFields+` } }`, vars).ok(t).at("cart")
		if !reflect.DeepEqual(after, fresh) {
			t.Errorf("%s answered\n%v\nbut the cart reads\n%v", step.name, after, fresh)
		}
		if uid == "" {
			uid = r.str(step.name + ".cart.items.0.uid")
		}
	}
}
