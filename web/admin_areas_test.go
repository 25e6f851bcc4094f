package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
)

func TestWebsitesAndStoreViews(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/stores")
	if p.testid("website-base").Length() != 1 || p.testid("store-view-default").Length() != 1 {
		t.Fatal("seeded website base / store view default not listed")
	}
	c.get("/admin/stores/websites/new")
	p = c.post("/admin/stores/websites", url.Values{"code": {"Bad Code"}, "name": {"Outlet"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-code"]`) == "" || p.doc.Find("#name").AttrOr("value", "") != "Outlet" {
		t.Fatal("bad code: no message or typed name lost")
	}
	p = c.post("/admin/stores/websites", url.Values{"code": {"base"}, "name": {"Dup"}})
	if !strings.Contains(p.text(`[data-testid="error-code"]`), "Another website") {
		t.Fatalf("duplicate code message %q", p.text(`[data-testid="error-code"]`))
	}
	wantStatus(t, c.post("/admin/stores/websites", url.Values{"code": {"outlet"}, "name": {"Outlet"}}), http.StatusSeeOther)

	p = c.get("/admin/stores/views/new")
	var outletID string
	p.doc.Find(`#website_id option`).Each(func(_ int, s *goquery.Selection) {
		if strings.TrimSpace(s.Text()) == "Outlet" {
			outletID = s.AttrOr("value", "")
		}
	})
	p = c.post("/admin/stores/views", url.Values{"website_id": {outletID}, "code": {"outlet_fr"}, "name": {"Outlet FR"}, "currency": {"EUR"}, "timezone": {"Mars/Olympus"}, "is_active": {"1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-timezone"]`) == "" {
		t.Fatal("bad timezone accepted")
	}
	p = c.post("/admin/stores/views", url.Values{"website_id": {outletID}, "code": {"outlet_fr"}, "name": {"Outlet FR"}, "currency": {"EUR"}, "timezone": {"Europe/Paris"}, "is_active": {"1"}})
	wantStatus(t, p, http.StatusSeeOther)
	p = c.get("/admin/stores")
	row := p.testid("store-view-outlet_fr")
	if !strings.Contains(row.Text(), "EUR") || !strings.Contains(row.Text(), "Europe/Paris") || !strings.Contains(row.Text(), "Default") {
		t.Fatalf("new store view row: %q", row.Text())
	}
	// The new website is a scope on the configuration page.
	if c.get("/admin/config/services?website=outlet").status != http.StatusOK {
		t.Fatal("new website is not a configuration scope")
	}
	wantStatus(t, c.get("/admin/stores/websites/999/edit"), http.StatusNotFound)
}

func TestAdminUsers(t *testing.T) {
	a, c := signedIn(t)
	c.get("/admin/users/new")
	p := c.post("/admin/users", url.Values{"username": {"jane"}, "email": {"jane@example.com"}, "password": {"short1"}, "password_confirm": {"short1"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-password"]`) == "" || p.doc.Find("#username").AttrOr("value", "") != "jane" {
		t.Fatal("weak password: no message or typed username lost")
	}
	p = c.post("/admin/users", url.Values{"username": {"jane"}, "email": {"jane@example.com"}, "password": {"long-enough-1"}, "password_confirm": {"different-1"}, "current_password": {"correct-horse-1"}})
	if p.text(`[data-testid="error-password_confirm"]`) == "" {
		t.Fatal("mismatched confirmation accepted")
	}
	if n, _ := a.auth.Count(t.Context()); n != 1 {
		t.Fatalf("a user was created despite errors: %d users", n)
	}
	p = c.post("/admin/users", url.Values{"username": {"jane"}, "email": {"jane@example.com"}, "password": {"long-enough-1"}, "password_confirm": {"long-enough-1"}, "current_password": {"wrong-own-password1"}})
	if p.text(`[data-testid="error-current_password"]`) == "" || p.doc.Find("#email").AttrOr("value", "") != "jane@example.com" {
		t.Fatal("a change without the acting admin's password was not refused, or lost what was typed")
	}
	wantStatus(t, c.post("/admin/users", url.Values{"username": {"jane"}, "email": {"jane@example.com"}, "password": {"long-enough-1"}, "password_confirm": {"long-enough-1"}, "current_password": {"correct-horse-1"}}), http.StatusSeeOther)
	p = c.post("/admin/users", url.Values{"username": {"jane"}, "email": {"other@example.com"}, "password": {"long-enough-1"}, "password_confirm": {"long-enough-1"}, "current_password": {"correct-horse-1"}})
	if !strings.Contains(p.text(`[data-testid="error-username"]`), "taken") {
		t.Fatalf("duplicate username message %q", p.text(`[data-testid="error-username"]`))
	}
	p = c.get("/admin/users")
	if !strings.Contains(p.testid("users-grid").Text(), "jane@example.com") {
		t.Fatal("new user not in the grid")
	}
	// The new user can sign in.
	a.client().signIn("jane", "long-enough-1")
	// An admin cannot deactivate their own account.
	self := "/admin/users/1"
	c.get(self + "/edit")
	p = c.post(self, url.Values{"email": {"admin@example.com"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
}

func TestActionLogRecordsAndFilters(t *testing.T) {
	a, c := signedIn(t)
	bad := a.client()
	bad.get("/admin/login")
	bad.post("/admin/login", url.Values{"username": {"admin"}, "password": {"nope-nope-1"}})
	c.get("/admin/config/services?website=base")
	c.post("/admin/config/services?website=base", url.Values{"experience_platform/datastream_id": {datastream}})
	c.get("/admin/config/services")
	c.post("/admin/config/services", url.Values{"audiences/client_secret": {clientSecret}})

	p := c.get("/admin/action-log")
	grid := p.testid("action-log-grid").Text()
	for _, want := range []string{"Sign-in", "Failed sign-in", "Configuration saved"} {
		if !strings.Contains(grid, want) {
			t.Errorf("action log lacks %q", want)
		}
	}
	p = c.get("/admin/action-log?action=sign_in_failed")
	if n := p.testid("log-row").Length(); n != 1 {
		t.Fatalf("filter by failed sign-in: %d rows", n)
	}
	p = c.get("/admin/action-log?action=config_save")
	if n := p.testid("log-row").Length(); n != 2 {
		t.Fatalf("config saves: %d rows", n)
	}
	// The detail shows before/after, with the secret masked.
	var found bool
	p.doc.Find(`[data-testid="log-row"] a`).Each(func(_ int, s *goquery.Selection) {
		d := c.get(s.AttrOr("href", ""))
		changes := d.testid("changes").Text()
		if strings.Contains(changes, "Experience Platform Connector › Datastream ID") && strings.Contains(changes, datastream) {
			found = true
		}
		if strings.Contains(changes, "Client secret") && !strings.Contains(changes, "••••••") {
			t.Error("secret change not masked")
		}
	})
	if !found {
		t.Fatal("datastream change not shown with its value")
	}
	p = c.get("/admin/action-log?from=not-a-date")
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="error-from"]`) == "" {
		t.Fatal("bad date: no message")
	}
	if p := c.get("/admin/action-log?from=2000-01-01&to=2000-01-02"); p.testid("log-row").Length() != 0 {
		t.Fatal("date range filter ignored")
	}
}

func TestHealthAndReadiness(t *testing.T) {
	a := newApp(t)
	c := a.client()
	wantStatus(t, c.get("/healthz"), http.StatusOK)
	p := c.get("/readyz")
	wantStatus(t, p, http.StatusOK)
	var body map[string]string
	json.Unmarshal([]byte(p.body), &body)
	if body["status"] != "ready" {
		t.Fatalf("readyz %q", p.body)
	}
	a.db.Exec("DELETE FROM goose_db_version WHERE version_id > 0")
	wantStatus(t, c.get("/readyz"), http.StatusServiceUnavailable)
}

func TestSecurityHeadersAndFriendly404(t *testing.T) {
	_, c := signedIn(t)
	p := c.get("/admin/nowhere")
	wantStatus(t, p, http.StatusNotFound)
	if p.text(`[data-testid="page-title"]`) == "" || p.testid("error-page").Length() != 1 {
		t.Fatal("404 is not a friendly page in the admin shell")
	}
	csp := p.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("CSP %q", csp)
	}
	if p.header.Get("X-Request-Id") == "" || p.header.Get("X-Frame-Options") != "DENY" {
		t.Fatal("missing request id or frame options")
	}
	if strings.Contains(p.body, "<script>") {
		t.Fatal("inline script in page")
	}
}

// An operator's Prometheus sees requests by route pattern (never by raw path), the Go
// runtime, the live rule count and the last successful sync.
func TestMetricsForPrometheus(t *testing.T) {
	a := newApp(t)
	c := a.client()
	c.get("/admin/login")
	c.get("/admin/login")
	wantStatus(t, c.get("/no-such-page-7f3a"), http.StatusNotFound)
	p := c.get("/metrics")
	wantStatus(t, p, http.StatusOK)
	for _, want := range []string{
		`audience_activation_http_requests_total{code="200",method="GET",route="/admin/login"} 2`,
		`audience_activation_http_request_duration_seconds_count{method="GET",route="/admin/login"} 2`,
		`audience_activation_price_rules_live 0`,
		`audience_activation_audience_sync_last_success_timestamp_seconds 0`,
		"go_goroutines ",
	} {
		if !strings.Contains(p.body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if strings.Contains(p.body, "no-such-page-7f3a") {
		t.Error("an unmatched path became a series of its own")
	}
	if !strings.Contains(p.body, `audience_activation_http_requests_total{code="404",method="GET",route="unmatched"} 1`) {
		t.Error("the 404 was not counted")
	}
}
