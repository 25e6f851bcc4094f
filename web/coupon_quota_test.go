package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"audienceactivation/internal/db/dbtest"
	"audienceactivation/internal/pricerules"
)

// gqlFrom posts a GraphQL request as a client at addr (behindProxy trusts the header).
func (a *app) gqlFrom(t *testing.T, addr, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := gqlResponse{status: res.StatusCode}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// 200 wrong coupon codes from one cart: after the quota (10 an hour) every try is refused
// with a message to wait, the right code included; other carts from other addresses are not
// affected; the reference storefront shares the quota.
func TestCouponGuessingIsThrottled(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), behindProxy)
	if _, err := a.full.PriceRules.Save(context.Background(), actorT(), pricerules.Rule{Name: "Ten off", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponSpecific, CouponCode: "RIGHT-CODE", Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
		DefaultLabel: "Ten off", Conditions: pricerules.All(), ActionConditions: pricerules.All()}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.full.Catalog.Import(context.Background(), actorT(), strings.NewReader("sku,name,price,weight,categories,websites,attributes\nMUG,Coffee mug,9.50,0.4,Home,base,\n")); err != nil {
		t.Fatal(err)
	}
	newCart := func(addr string) map[string]any {
		id := a.gqlFrom(t, addr, `mutation { createGuestCart { cart { id } } }`, nil).ok(t).str("createGuestCart.cart.id")
		a.gqlFrom(t, addr, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "MUG", quantity: 1}]) { cart { id } } }`, map[string]any{"id": id}).ok(t)
		return map[string]any{"id": id}
	}
	apply := `mutation($id: String!, $code: String!) { applyCouponToCart(input: {cart_id: $id, coupon_code: $code}) { cart { applied_coupons { code } } } }`
	guesser := newCart("203.0.113.20")
	invalid, throttled := 0, 0
	for i := 0; i < 200; i++ {
		vars := map[string]any{"id": guesser["id"], "code": fmt.Sprintf("GUESS%04d", i)}
		switch msg := a.gqlFrom(t, "203.0.113.20", apply, vars).errorText(); {
		case msg == "The coupon code isn't valid. Verify the code and try again.":
			if throttled > 0 {
				t.Fatalf("guess %d checked again after throttling", i)
			}
			invalid++
		case strings.HasPrefix(msg, "Too many discount codes were tried. Wait "):
			throttled++
		default:
			t.Fatalf("guess %d: %q", i, msg)
		}
	}
	if invalid != 10 || throttled != 190 {
		t.Fatalf("%d codes checked, %d refused; want 10 and 190", invalid, throttled)
	}
	vars := map[string]any{"id": guesser["id"], "code": "RIGHT-CODE"}
	if msg := a.gqlFrom(t, "203.0.113.20", apply, vars).errorText(); !strings.Contains(msg, "Wait 60 minutes") {
		t.Fatalf("the right code during the pause: %q", msg)
	}
	// Another shopper elsewhere is not affected.
	other := newCart("198.51.100.30")
	r := a.gqlFrom(t, "198.51.100.30", apply, map[string]any{"id": other["id"], "code": "RIGHT-CODE"}).ok(t)
	if r.str("applyCouponToCart.cart.applied_coupons.0.code") != "RIGHT-CODE" {
		t.Fatalf("other shopper: %v", r.Data)
	}
	// The reference storefront applies codes through the same quota: a new cart from the
	// guessing address is refused at once.
	shop := a.client()
	shop.get("/store/products")
	wantStatus(t, shop.postFrom("203.0.113.20", "/store/cart/add", url.Values{"sku": {"MUG"}, "qty": {"1"}}), http.StatusSeeOther)
	p := shop.postFrom("203.0.113.20", "/store/cart/coupon", url.Values{"coupon_code": {"RIGHT-CODE"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.body, "Too many discount codes were tried") {
		t.Fatalf("storefront refusal: %q", p.text("main"))
	}
}
