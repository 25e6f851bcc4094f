package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"audienceactivation/internal/audiences"
	"audienceactivation/internal/config"
	"audienceactivation/internal/customers"
	"audienceactivation/internal/dynamicblocks"
)

// Signed membership on the reference storefront: key change with two keys valid, the
// maximum lifetime from the configuration, and values bound to one customer.
func TestSignedMembershipKeyChangeLifetimeAndBinding(t *testing.T) {
	a := newApp(t)
	_, ids := withCDP(t, a)
	ctx := context.Background()
	if _, err := a.full.Syncer.Run(ctx, "manual"); err != nil {
		t.Fatal(err)
	}
	b, _, _ := a.full.Blocks.SaveBlock(ctx, actorT(), dynamicblocks.Block{Name: "Hero", Enabled: true, Type: dynamicblocks.TypeContent, AudienceIDs: []int64{1}, Content: "<h2>Members</h2>"})
	a.full.Blocks.SavePlacement(ctx, actorT(), dynamicblocks.Placement{Title: "Hero", Location: "home.hero", Display: dynamicblocks.DisplaySpecified,
		Rotation: dynamicblocks.RotateAll, Blocks: []dynamicblocks.PlacementBlock{{BlockID: b.ID}}})
	save := func(values map[string]string, clear ...string) {
		t.Helper()
		sub := config.Submission{Values: values, ClearSecret: map[string]bool{}}
		for _, p := range clear {
			sub.ClearSecret[p] = true
		}
		if _, err := a.full.StoreConfig.Save(ctx, actorT(), config.Default, sub); err != nil {
			t.Fatal(err)
		}
		a.full.LiveTrust.Reload()
	}
	shows := func(c *client, value string) bool {
		return c.getWithCookie("/store", "aep-segments-membership", value).testid("hero-block").Length() == 1
	}
	oldKey, newKey := "old-membership-key-0123456789abcdef", "new-membership-key-0123456789abcdef"
	save(map[string]string{config.PathMembershipMode: "signed", config.PathMembershipKey: oldKey})
	shop := a.client()
	fromOld := audiences.SignMembership([]byte(oldKey), []string{ids[0]}, time.Now().Add(time.Hour))
	if !shows(shop, fromOld) {
		t.Fatal("a value signed with the key was refused")
	}
	// The key changes: the new key signs, the old one is still accepted as the previous key.
	save(map[string]string{config.PathMembershipKey: newKey, config.PathMembershipPreviousKey: oldKey})
	fromNew := audiences.SignMembership([]byte(newKey), []string{ids[0]}, time.Now().Add(time.Hour))
	if !shows(shop, fromOld) || !shows(shop, fromNew) {
		t.Fatal("during the key change both keys must be accepted")
	}
	save(map[string]string{}, config.PathMembershipPreviousKey)
	if shows(shop, fromOld) || !shows(shop, fromNew) {
		t.Fatal("after the change only the new key may be accepted")
	}
	// The maximum lifetime (24 h by default, 2 h here) is enforced on every value.
	day := audiences.SignMembership([]byte(newKey), []string{ids[0]}, time.Now().Add(20*time.Hour))
	if !shows(shop, day) {
		t.Fatal("a 20-hour value was refused under the 24-hour default")
	}
	save(map[string]string{config.PathMembershipMaxLifetime: "2"})
	if shows(shop, day) {
		t.Fatal("a 20-hour value was accepted under a 2-hour maximum")
	}
	// Bound to a customer: theirs when signed in, nobody else's.
	cu, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "correct horse 42"})
	if err != nil {
		t.Fatal(err)
	}
	trust, _ := a.full.LiveTrust.Current(ctx)
	bound, err := trust.Sign([]string{ids[0]}, strconv.FormatInt(cu.ID, 10), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if shows(a.client(), bound) {
		t.Fatal("a guest used a value bound to a customer")
	}
	bo := a.client()
	bo.get("/store/account/login")
	wantStatus(t, bo.post("/store/account/login", url.Values{"email": {"bo@example.com"}, "password": {"correct horse 42"}}), http.StatusSeeOther)
	if !shows(bo, bound) {
		t.Fatalf("the customer's own bound value was refused: %q", strings.TrimSpace(bo.get("/store").text("main")))
	}
}

// On the GraphQL API too, a signed value bound to a customer counts for that customer's
// bearer token, and for no other customer.
func TestSignedMembershipBoundToACustomerOverGraphQL(t *testing.T) {
	s := newShop(t)
	a := s.a
	ctx := context.Background()
	key := "graphql-membership-key-0123456789abcdef"
	if _, err := a.full.StoreConfig.Save(ctx, actorT(), config.Default, config.Submission{Values: map[string]string{
		config.PathMembershipMode: "signed", config.PathMembershipKey: key}}); err != nil {
		t.Fatal(err)
	}
	a.full.LiveTrust.Reload()
	mk := func(email string) customers.Customer {
		cu, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: email, Firstname: "Bo", Lastname: "Diaz", GroupID: 1, Password: "correct horse 42"})
		if err != nil {
			t.Fatal(err)
		}
		return cu
	}
	bo := mk("bo@example.com")
	mk("al@example.com")
	trust, _ := a.full.LiveTrust.Current(ctx)
	bound, err := trust.Sign([]string{s.cdp[0]}, strconv.FormatInt(bo.ID, 10), time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	token := func(email string) string {
		return a.gql(t, nil, `mutation($e: String!) { generateCustomerToken(email: $e, password: "correct horse 42") { token } }`, map[string]any{"e": email}).ok(t).str("generateCustomerToken.token")
	}
	discount := func(headers map[string]string) string {
		id := a.gql(t, headers, `{ customerCart { id } }`, nil).ok(t).str("customerCart.id")
		return a.gql(t, headers, `mutation($id: String!) { addProductsToCart(cartId: $id, cartItems: [{sku: "TEE-1", quantity: 3}]) {
			cart { prices { grand_total { value } } } } }`, map[string]any{"id": id}).ok(t).str("addProductsToCart.cart.prices.grand_total.value")
	}
	if got := discount(map[string]string{"Authorization": "Bearer " + token("bo@example.com"), "aep-segments-membership": bound}); got != "50" {
		t.Fatalf("the customer's own bound value: grand total %s, want 50 (one tee free)", got)
	}
	if got := discount(map[string]string{"Authorization": "Bearer " + token("al@example.com"), "aep-segments-membership": bound}); got != "75" {
		t.Fatalf("another customer used a bound value: grand total %s", got)
	}
}
