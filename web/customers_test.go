package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestCustomersPages(t *testing.T) {
	_, c := signedIn(t)
	c.get("/admin/customers/new")
	p := c.post("/admin/customers", url.Values{"website_id": {"1"}, "email": {"bad"}, "firstname": {"Jane"}, "lastname": {"Doe"}, "group_id": {"2"}, "password": {"shopper-123"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-email"]`) == "" || p.doc.Find("#firstname").AttrOr("value", "") != "Jane" {
		t.Fatal("validation")
	}
	wantStatus(t, c.post("/admin/customers", url.Values{"website_id": {"1"}, "email": {"jane@example.com"}, "firstname": {"Jane"}, "lastname": {"Doe"}, "group_id": {"2"}, "password": {"shopper-123"}}), http.StatusSeeOther)
	p = c.get("/admin/customers")
	if p.testid("customer-row").Length() != 1 || !strings.Contains(p.testid("customers-grid").Text(), "Wholesale") {
		t.Fatalf("grid %q", p.testid("customers-grid").Text())
	}
	wantStatus(t, c.get("/admin/customers/1/edit"), http.StatusOK)
	wantStatus(t, c.get("/admin/customers/99/edit"), http.StatusNotFound)
}
