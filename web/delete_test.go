package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
	"audienceactivation/internal/pricerules"
	"audienceactivation/internal/stores"
)

// Delete where Magento has it: the editors' Delete asks on a page of its own (no
// JavaScript needed), then deletes; what others depend on is refused with the reason.
func TestDeleteFromTheEditors(t *testing.T) {
	a, c := signedIn(t)
	ctx := context.Background()
	rule, err := a.full.PriceRules.Save(ctx, actorT(), pricerules.Rule{Name: "Old promo", Active: true, WebsiteIDs: []int64{1}, CustomerGroupIDs: []int64{0},
		CouponType: pricerules.CouponNone, Action: pricerules.ByPercent, Amount: 1000, FreeShipping: pricerules.FreeShippingNo,
		Conditions: pricerules.All(), ActionConditions: pricerules.All()})
	if err != nil {
		t.Fatal(err)
	}
	block, _, err := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Old banner", Enabled: true, Type: dynamicblocks.TypeContent, Content: "<p>x</p>"})
	if err != nil {
		t.Fatal(err)
	}
	placement, err := a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Old slot", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
		Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: block.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ edit, deleteURL, question, grid, gone string }{
		{"/admin/price-rules/" + itoa(rule.ID) + "/edit", "/admin/price-rules/" + itoa(rule.ID) + "/delete", "Delete the cart price rule “Old promo”?", "/admin/price-rules", "Old promo"},
		{"/admin/dynamic-blocks/placements/" + itoa(placement.ID) + "/edit", "/admin/dynamic-blocks/placements/" + itoa(placement.ID) + "/delete", "Delete the placement “Old slot”", "/admin/dynamic-blocks/placements", "Old slot"},
		{"/admin/dynamic-blocks/" + itoa(block.ID) + "/edit", "/admin/dynamic-blocks/" + itoa(block.ID) + "/delete", "Delete the dynamic block “Old banner”?", "/admin/dynamic-blocks", "Old banner"},
	} {
		p := c.get(tc.edit)
		if href, _ := p.testid("delete").Attr("href"); href != tc.deleteURL {
			t.Fatalf("%s: Delete links to %q", tc.edit, href)
		}
		p = c.get(tc.deleteURL)
		wantStatus(t, p, http.StatusOK)
		if !strings.Contains(p.text(`[data-testid="confirm-delete"]`), tc.question) {
			t.Fatalf("%s: %q", tc.deleteURL, p.text(`[data-testid="confirm-delete"]`))
		}
		p = c.post(tc.deleteURL, nil)
		wantStatus(t, p, http.StatusSeeOther)
		if p := c.get(tc.grid); strings.Contains(p.text("main .grid"), tc.gone) || !strings.Contains(p.text(`[data-testid="flash-success"]`), "deleted") {
			t.Fatalf("%s still lists %q: %q", tc.grid, tc.gone, p.text(`[data-testid="flash-success"]`))
		}
		wantStatus(t, c.get(tc.deleteURL), http.StatusNotFound)
	}
}

func TestDeleteWebsitesAndStoreViewsSaysWhatKeepsThem(t *testing.T) {
	a, c := signedIn(t)
	ctx := context.Background()
	// The default website and store view are refused with the reason, on the page itself.
	for _, u := range []string{"/admin/stores/websites/1/delete", "/admin/stores/views/1/delete"} {
		p := c.get(u)
		if !strings.Contains(p.text(`[data-testid="delete-refused"]`), "default") || p.testid("confirm-delete-button").Length() != 0 {
			t.Fatalf("%s: %q", u, p.text(`[data-testid="confirm-delete"]`))
		}
		c.post(u, nil)
	}
	if _, err := a.full.Stores.Website(ctx, 1); err != nil {
		t.Fatal("the default website was deleted")
	}
	w, err := a.full.Stores.SaveWebsite(ctx, actorT(), stores.Website{Code: "outlet", Name: "Outlet"})
	if err != nil {
		t.Fatal(err)
	}
	v1, err := a.full.Stores.SaveStoreView(ctx, actorT(), stores.StoreView{WebsiteID: w.ID, Code: "outlet_en", Name: "Outlet EN", Currency: "USD", Timezone: "UTC", IsActive: true, IsDefault: true})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := a.full.Stores.SaveStoreView(ctx, actorT(), stores.StoreView{WebsiteID: w.ID, Code: "outlet_fr", Name: "Outlet FR", Currency: "EUR", Timezone: "Europe/Paris", IsActive: true})
	if err != nil {
		t.Fatal(err)
	}
	// A website with store views: refused, saying so — on the page that asks, and if
	// posted anyway.
	if p := c.get("/admin/stores/websites/" + itoa(w.ID) + "/delete"); !strings.Contains(p.text(`[data-testid="delete-refused"]`), "2 store views: delete them first") {
		t.Fatalf("confirm page: %q", p.text(`[data-testid="confirm-delete"]`))
	}
	c.post("/admin/stores/websites/"+itoa(w.ID)+"/delete", nil)
	if p := c.get("/admin/stores/websites/" + itoa(w.ID) + "/edit"); !strings.Contains(p.text(`[data-testid="flash-error"]`), "2 store view(s): delete them first") {
		t.Fatalf("website with views: %q", p.text(`[data-testid="flash-error"]`))
	}
	// The non-default view goes; the default one is refused until another is the default.
	wantStatus(t, c.post("/admin/stores/views/"+itoa(v2.ID)+"/delete", nil), http.StatusSeeOther)
	if _, err := a.full.Stores.StoreView(ctx, v2.ID); err == nil {
		t.Fatal("store view not deleted")
	}
	c.post("/admin/stores/views/"+itoa(v1.ID)+"/delete", nil)
	if _, err := a.full.Stores.StoreView(ctx, v1.ID); err != nil {
		t.Fatal("a website's default store view was deleted")
	}
	// Its last view removed through the service (as after making it not the default), the
	// website goes.
	a.db.Exec("UPDATE store_views SET is_default = FALSE WHERE id = ?", v1.ID)
	wantStatus(t, c.post("/admin/stores/views/"+itoa(v1.ID)+"/delete", nil), http.StatusSeeOther)
	wantStatus(t, c.post("/admin/stores/websites/"+itoa(w.ID)+"/delete", nil), http.StatusSeeOther)
	if _, err := a.full.Stores.Website(ctx, w.ID); err == nil {
		t.Fatal("website not deleted")
	}
}

// A customer without orders is deleted; one with orders is deactivated (cannot sign in,
// tokens end) and can be activated again.
func TestDeleteCustomersKeepsThoseWithOrders(t *testing.T) {
	s := newShop(t)
	a := s.a
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	ctx := context.Background()
	mk := func(email string) customers.Customer {
		cu, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: email, Firstname: "Ann", Lastname: "Lee", GroupID: 1, Password: "secret-pass-1"})
		if err != nil {
			t.Fatal(err)
		}
		return cu
	}
	quiet, buyer := mk("quiet@example.com"), mk("buyer@example.com")
	token := a.gql(t, nil, `mutation { generateCustomerToken(email: "buyer@example.com", password: "secret-pass-1") { token } }`, nil).ok(t).str("generateCustomerToken.token")
	auth := map[string]string{"Authorization": "Bearer " + token}
	id := a.gql(t, auth, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id")
	a.gql(t, auth, `mutation($id: String!) {
		addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 1}]) { cart { id } }
		setShippingAddressesOnCart(input: {cart_id: $id, shipping_addresses: [{address: {firstname: "Ann", lastname: "Lee", street: ["1 Main St"], city: "Austin", postcode: "78701", country_code: "US"}}]}) { cart { id } }
		setBillingAddressOnCart(input: {cart_id: $id, billing_address: {same_as_shipping: true}}) { cart { id } }
		setShippingMethodsOnCart(input: {cart_id: $id, shipping_methods: [{carrier_code: "flatrate", method_code: "flatrate"}]}) { cart { id } }
		setPaymentMethodOnCart(input: {cart_id: $id, payment_method: {code: "checkmo"}}) { cart { id } } }`, map[string]any{"id": id}).ok(t)
	a.gql(t, auth, `mutation($id: String!) { placeOrder(input: {cart_id: $id}) { order { order_number } } }`, map[string]any{"id": id}).ok(t)

	if p := c.get("/admin/customers/" + itoa(quiet.ID) + "/delete"); !strings.Contains(p.text(`[data-testid="confirm-delete"]`), "Delete the customer quiet@example.com?") {
		t.Fatalf("confirm: %q", p.text(`[data-testid="confirm-delete"]`))
	}
	wantStatus(t, c.post("/admin/customers/"+itoa(quiet.ID)+"/delete", nil), http.StatusSeeOther)
	if _, err := a.full.Customers.Get(ctx, quiet.ID); err == nil {
		t.Fatal("customer without orders not deleted")
	}
	p := c.get("/admin/customers/" + itoa(buyer.ID) + "/delete")
	if !strings.Contains(p.text(`[data-testid="confirm-delete"]`), "Deactivate the customer buyer@example.com?") || p.text(`[data-testid="confirm-delete-button"]`) != "Deactivate" {
		t.Fatalf("confirm with orders: %q", p.text(`[data-testid="confirm-delete"]`))
	}
	wantStatus(t, c.post("/admin/customers/"+itoa(buyer.ID)+"/delete", nil), http.StatusSeeOther)
	if p := c.get("/admin/customers"); !strings.Contains(p.text(`[data-testid="flash-success"]`), "deactivated rather than deleted") || p.testid("customer-inactive").Length() != 1 {
		t.Fatalf("grid: %q", p.text("main"))
	}
	if r := a.gql(t, auth, `{ customer { email } }`, nil); len(r.Errors) == 0 {
		t.Fatal("a deactivated customer's token still works")
	}
	if r := a.gql(t, nil, `mutation { generateCustomerToken(email: "buyer@example.com", password: "secret-pass-1") { token } }`, nil); len(r.Errors) == 0 {
		t.Fatal("a deactivated customer signed in")
	}
	// Activated again from the account's page.
	f := formOf(c.get("/admin/customers/"+itoa(buyer.ID)+"/edit"), `[data-testid="customer-form"]`)
	f.Set("is_active", "1")
	wantStatus(t, c.post("/admin/customers/"+itoa(buyer.ID), f), http.StatusSeeOther)
	if r := a.gql(t, nil, `mutation { generateCustomerToken(email: "buyer@example.com", password: "secret-pass-1") { token } }`, nil); len(r.Errors) != 0 {
		t.Fatalf("reactivated customer cannot sign in: %s", r.errorText())
	}
}
