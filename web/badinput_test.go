package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"audienceactivation/internal/db/dbtest"
)

// TestInvalidUTF8NeverBreaksAPage sends bytes that are not UTF-8 to every form, on
// PostgreSQL (which refuses to store them): each answers with a message, never a 500.
func TestInvalidUTF8NeverBreaksAPage(t *testing.T) {
	a := newAppOn(t, dbtest.NewPostgres(t))
	a.createAdmin("admin", "correct-horse-1")
	bad := "caf\xe9\xff"

	anon := a.client()
	anon.get("/admin/login")
	if p := anon.post("/admin/login", url.Values{"username": {bad}, "password": {bad}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("sign-in with invalid UTF-8: %d", p.status)
	}

	c := a.client()
	c.signIn("admin", "correct-horse-1")
	for _, tc := range []struct {
		path string
		form url.Values
	}{
		{"/admin/stores/websites", url.Values{"code": {"shop"}, "name": {bad}}},
		{"/admin/stores/views", url.Values{"website_id": {"1"}, "code": {"v2"}, "name": {bad}, "currency": {bad}, "timezone": {bad}}},
		{"/admin/users", url.Values{"username": {bad}, "email": {bad}, "password": {bad}, "password_confirm": {bad}}},
		{"/admin/users/1", url.Values{"email": {bad}, "is_active": {"1"}}},
		{"/admin/config/services", url.Values{"audiences/client_id": {bad}, "services_connector/production_private_key": {bad}}},
	} {
		c.get("/admin")
		p := c.post(tc.path, tc.form)
		if p.status != http.StatusUnprocessableEntity || p.testid("form-errors").Length() != 1 {
			t.Errorf("POST %s: status %d, want 422 with the form's messages", tc.path, p.status)
		}
	}
	if p := c.get("/admin/action-log?actor=" + url.QueryEscape(bad)); p.status != http.StatusOK {
		t.Errorf("action log filter: %d", p.status)
	}
}

func TestServerErrorIsFriendlyAndLogged(t *testing.T) {
	a, c := signedIn(t)
	a.db.Close()
	p := c.get("/admin/stores")
	wantStatus(t, p, http.StatusInternalServerError)
	ref := p.text(`[data-testid="request-id"]`)
	if ref == "" || !strings.Contains(a.logs.String(), "request_id="+ref) {
		t.Fatalf("reference %q not shown or not logged", ref)
	}
	if strings.Contains(p.body, "sql") || strings.Contains(p.body, "database is closed") {
		t.Fatal("internals shown to the user")
	}
}
