package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"audienceactivation/internal/customers"
	"audienceactivation/internal/db/dbtest"
	"audienceactivation/web"
)

// behindProxy trusts X-Forwarded-For from the test client (loopback), so that tests can
// come from many addresses.
func behindProxy(d *web.Deps) {
	_, n, _ := net.ParseCIDR("127.0.0.1/32")
	d.Settings.TrustedProxies = append(d.Settings.TrustedProxies, n)
}

func (c *client) postFrom(addr, path string, form url.Values) page {
	c.t.Helper()
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, c.app.server.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", addr)
	return c.do(req)
}

// Five wrong passwords from one address lock that address out, not the admin everywhere.
func TestAdminLockoutFromOneAddressLeavesOthersFree(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), behindProxy)
	a.createAdmin("admin", "correct-horse-1")
	attacker := a.client()
	attacker.get("/admin/login")
	for i := 0; i < 5; i++ {
		wantStatus(t, attacker.postFrom("203.0.113.66", "/admin/login", url.Values{"username": {"admin"}, "password": {"guess-number-" + fmt.Sprint(i)}}), http.StatusUnprocessableEntity)
	}
	wantStatus(t, attacker.postFrom("203.0.113.66", "/admin/login", url.Values{"username": {"admin"}, "password": {"correct-horse-1"}}), http.StatusTooManyRequests)
	owner := a.client()
	owner.get("/admin/login")
	wantStatus(t, owner.postFrom("198.51.100.7", "/admin/login", url.Values{"username": {"admin"}, "password": {"correct-horse-1"}}), http.StatusSeeOther)
	// The attacker's address trying other usernames is stopped at 20 failures.
	for i := 5; i < 20; i++ {
		wantStatus(t, attacker.postFrom("203.0.113.66", "/admin/login", url.Values{"username": {fmt.Sprintf("user%d", i)}, "password": {"guess-number-1"}}), http.StatusUnprocessableEntity)
	}
	wantStatus(t, attacker.postFrom("203.0.113.66", "/admin/login", url.Values{"username": {"another"}, "password": {"guess-number-1"}}), http.StatusTooManyRequests)
}

// 30 customer accounts tried from one address: throttled (storefront and GraphQL), while the
// same accounts stay open from elsewhere.
func TestCustomerSignInIsLimitedPerAddress(t *testing.T) {
	a := newAppOn(t, dbtest.New(t), behindProxy)
	ctx := context.Background()
	if _, err := a.full.Customers.Save(ctx, actorT(), 0, customers.Input{WebsiteID: 1, Email: "bo@example.com", Firstname: "Bo", Lastname: "Diaz", GroupID: 1,
		Password: "correct horse 42"}); err != nil {
		t.Fatal(err)
	}
	shop := a.client()
	shop.get("/store/account/login")
	throttled := 0
	for i := 0; i < 30; i++ {
		p := shop.postFrom("203.0.113.9", "/store/account/login", url.Values{"email": {fmt.Sprintf("c%d@example.com", i)}, "password": {"guess-123"}})
		switch p.status {
		case http.StatusTooManyRequests:
			throttled++
		case http.StatusUnprocessableEntity:
			if throttled > 0 {
				t.Fatalf("try %d allowed again after throttling", i)
			}
		default:
			t.Fatalf("try %d: status %d", i, p.status)
		}
	}
	if throttled != 10 {
		t.Fatalf("%d of 30 tries throttled, want the 10 past the limit of 20", throttled)
	}
	// The right password from the flooding address is refused too; from another address it works.
	wantStatus(t, shop.postFrom("203.0.113.9", "/store/account/login", url.Values{"email": {"bo@example.com"}, "password": {"correct horse 42"}}), http.StatusTooManyRequests)
	wantStatus(t, shop.postFrom("198.51.100.8", "/store/account/login", url.Values{"email": {"bo@example.com"}, "password": {"correct horse 42"}}), http.StatusSeeOther)

	// GraphQL's generateCustomerToken shares the count per address.
	token := func(addr, email, password string) bool {
		body, _ := json.Marshal(map[string]any{"query": `mutation($e: String!, $p: String!) { generateCustomerToken(email: $e, password: $p) { token } }`,
			"variables": map[string]any{"e": email, "p": password}})
		req, _ := http.NewRequest(http.MethodPost, a.server.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", addr)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var out struct {
			Data struct {
				GenerateCustomerToken *struct{ Token string }
			}
		}
		json.NewDecoder(res.Body).Decode(&out)
		return out.Data.GenerateCustomerToken != nil && out.Data.GenerateCustomerToken.Token != ""
	}
	for i := 0; i < 20; i++ {
		token("192.0.2.44", fmt.Sprintf("g%d@example.com", i), "guess-123")
	}
	if token("192.0.2.44", "bo@example.com", "correct horse 42") {
		t.Fatal("GraphQL sign-in from an address past its limit was accepted")
	}
	if !token("192.0.2.45", "bo@example.com", "correct horse 42") {
		t.Fatal("GraphQL sign-in from another address was refused")
	}
}
