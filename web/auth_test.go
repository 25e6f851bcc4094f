package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEveryAdminRouteNeedsSignIn(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	anon := a.client()
	anon.get("/admin/login") // a real CSRF token, so POSTs below fail for want of a session
	checked := 0
	for _, r := range a.srv.Routes() {
		if !strings.HasPrefix(r.Path, "/admin") || r.Path == "/admin/login" || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		path := strings.NewReplacer(":id", "1").Replace(r.Path)
		switch r.Method {
		case http.MethodGet:
			p := anon.get(path)
			if p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/admin/login") {
				t.Errorf("GET %s: status %d location %q, want 303 to sign-in", path, p.status, p.header.Get("Location"))
			}
		case http.MethodPost:
			if p := anon.post(path, nil); p.status != http.StatusForbidden {
				t.Errorf("POST %s with CSRF token, no session: status %d, want 403", path, p.status)
			}
			req, _ := http.NewRequest(http.MethodPost, a.server.URL+path, strings.NewReader("x=1"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if p := a.client().do(req); p.status != http.StatusForbidden {
				t.Errorf("POST %s without CSRF token: status %d, want 403", path, p.status)
			}
		default:
			t.Errorf("unexpected method %s %s: add it to this test", r.Method, path)
		}
		checked++
	}
	if checked < 20 {
		t.Fatalf("checked only %d admin routes", checked)
	}
}

func TestSignedInPostWithWrongCSRFTokenIsRefused(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	p := c.post("/admin/config/services", url.Values{"_csrf": {"forged-token"}, "experience_platform/datastream_id": {"3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"}})
	wantStatus(t, p, http.StatusForbidden)
	if !strings.Contains(p.text(`[data-testid="error-message"]`), "reload the page") {
		t.Fatalf("CSRF refusal message unclear: %q", p.text(`[data-testid="error-message"]`))
	}
	if got := c.get("/admin/config/services").doc.Find(`#experience_platform-datastream_id`).AttrOr("value", ""); got != "" {
		t.Fatalf("forged request saved the datastream ID %q", got)
	}
}

func TestFirstRunShowsHowToCreateAnAdmin(t *testing.T) {
	a := newApp(t)
	p := a.client().get("/admin/login")
	wantStatus(t, p, http.StatusOK)
	cmd := p.text(`[data-testid="first-run-command"]`)
	if !strings.Contains(cmd, "user create --username") {
		t.Fatalf("first-run page does not show the create command: %q", cmd)
	}
	if p.testid("login-form").Length() != 0 {
		t.Fatal("sign-in form shown while no admin exists")
	}
}

func TestSignInAndOut(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.get("/admin/login")
	p := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {"wrong-password-1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if p.text(`[data-testid="login-error"]`) == "" || p.doc.Find("#username").AttrOr("value", "") != "admin" {
		t.Fatal("wrong password: no message, or the typed username was lost")
	}
	before := cookieValue(c, a, "aa_admin")
	home := c.signIn("admin", "correct-horse-1")
	if home.text(`[data-testid="admin-name"]`) != "admin" || home.text(`[data-testid="page-title"]`) != "Dashboard" {
		t.Fatalf("after sign-in: admin %q title %q", home.text(`[data-testid="admin-name"]`), home.text(`[data-testid="page-title"]`))
	}
	if after := cookieValue(c, a, "aa_admin"); after == before || after == "" {
		t.Fatal("sign-in did not issue a new session cookie")
	}
	out := c.post("/admin/logout", nil)
	wantStatus(t, out, http.StatusSeeOther)
	login := c.get(out.header.Get("Location"))
	if !strings.Contains(login.text(`[data-testid="flash-success"]`), "signed out") {
		t.Fatalf("no signed-out message: %q", login.text("main"))
	}
	if p := c.get("/admin"); p.status != http.StatusSeeOther {
		t.Fatalf("after sign-out /admin answered %d, want a redirect", p.status)
	}
}

func TestSignInRedirectsBackToTheRequestedPage(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	p := c.get("/admin/users")
	if loc := p.header.Get("Location"); loc != "/admin/login?next=%2Fadmin%2Fusers" {
		t.Fatalf("location %q", loc)
	}
	c.get(p.header.Get("Location"))
	p = c.post("/admin/login", url.Values{"username": {"admin"}, "password": {"correct-horse-1"}, "next": {"/admin/users"}})
	if p.header.Get("Location") != "/admin/users" {
		t.Fatalf("redirected to %q", p.header.Get("Location"))
	}
	// An off-site "next" is ignored.
	c2 := a.client()
	c2.get("/admin/login")
	p = c2.post("/admin/login", url.Values{"username": {"admin"}, "password": {"correct-horse-1"}, "next": {"//evil.example/"}})
	if p.header.Get("Location") != "/admin" {
		t.Fatalf("off-site next honoured: %q", p.header.Get("Location"))
	}
}

func TestSignInThrottling(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.get("/admin/login")
	for i := 0; i < 5; i++ {
		p := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {"wrong-password-1"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
	}
	p := c.post("/admin/login", url.Values{"username": {"admin"}, "password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusTooManyRequests)
	if msg := p.text(`[data-testid="login-error"]`); !strings.Contains(msg, "Too many failed sign-in attempts") || !strings.Contains(msg, "minute") {
		t.Fatalf("throttle message %q", msg)
	}
	// The lock is this username's from this address: another username from the same
	// address is checked (up to the address's own limit, lockout_test.go).
	p = c.post("/admin/login", url.Values{"username": {"someone-else"}, "password": {"whatever-123"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
}

func TestIdleSessionEnds(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	a.clock.Advance(20 * time.Minute)
	wantStatus(t, c.get("/admin/stores"), http.StatusOK) // activity keeps the session alive
	a.clock.Advance(20 * time.Minute)
	wantStatus(t, c.get("/admin/stores"), http.StatusOK)
	a.clock.Advance(31 * time.Minute)
	p := c.get("/admin/stores")
	wantStatus(t, p, http.StatusSeeOther)
	login := c.get(p.header.Get("Location"))
	if !strings.Contains(login.text(`[data-testid="flash-info"]`), "signed out after 30 minutes") {
		t.Fatalf("idle message missing: %q", login.text("main"))
	}
}

func TestDeactivatingAUserEndsTheirSessions(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	other := a.createAdmin("jane", "correct-horse-2")
	jane := a.client()
	jane.signIn("jane", "correct-horse-2")
	admin := a.client()
	admin.signIn("admin", "correct-horse-1")
	admin.get("/admin/users")
	p := admin.post("/admin/users/"+itoa(other.ID), url.Values{"email": {"jane@example.com"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if p := jane.get("/admin"); p.status != http.StatusSeeOther {
		t.Fatalf("deactivated user still served: %d", p.status)
	}
}

func cookieValue(c *client, a *app, name string) string {
	u, _ := url.Parse(a.server.URL + "/admin")
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}
