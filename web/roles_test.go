package web_test

import (
	"context"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"

	"audienceactivation/internal/audit"
	"audienceactivation/internal/auth"
	"audienceactivation/web"
)

// createUser adds an admin user with role through the service, as `admin user create
// --role` does.
func (a *app) createUser(username, password, role string) auth.User {
	a.t.Helper()
	u, err := a.auth.Create(context.Background(), audit.Actor{Username: "test"},
		auth.NewUser{Username: username, Email: username + "@example.com", Password: password, Role: role})
	if err != nil {
		a.t.Fatal(err)
	}
	return u
}

// roleMay is the table of what each role may do, written out here independently
// of web/access.go: Administrators everything; Marketers audiences (read and sync), cart
// price rules, dynamic blocks and placements, preview, orders and their reports (read); Content editors
// dynamic blocks and placements only; Viewers read only (no admin users, configuration,
// action log, coupon codes or the forms that create or delete things).
func roleMay(role, method, path string) bool {
	if path == "/admin" || path == "/admin/logout" {
		return true
	}
	// A grid's column chooser is open to every role (it asks for the grid's own permission,
	// and the route's placeholder names no grid); a grid's export is the grid.
	if path == "/admin/grids/:grid/columns" {
		return true
	}
	if p, ok := strings.CutSuffix(path, ".csv"); ok && !strings.Contains(path, "/coupons.") {
		path = p
	}
	has := func(prefixes ...string) bool {
		for _, p := range prefixes {
			if path == p || strings.HasPrefix(path, p+"/") {
				return true
			}
		}
		return false
	}
	get := method == http.MethodGet
	switch role {
	case auth.RoleAdministrator:
		return true
	case auth.RoleMarketer:
		return has("/admin/audiences", "/admin/price-rules", "/admin/dynamic-blocks", "/admin/preview") ||
			(get && has("/admin/sales/orders", "/admin/reports"))
	case auth.RoleContentEditor:
		return has("/admin/dynamic-blocks") || path == "/admin/audiences/chooser"
	case auth.RoleViewer:
		if path == "/admin/preview" {
			return true // running the preview stores nothing
		}
		return get && !has("/admin/config", "/admin/users", "/admin/action-log") && !strings.HasSuffix(path, "/new") && !strings.HasSuffix(path, "/delete") &&
			path != "/admin/price-rules/transfer" && !strings.HasSuffix(path, "/coupons.csv")
	}
	return false
}

// TestRoleRouteTable walks every signed-in admin route registered in routes.go, as every
// role, and checks that what is refused (403 page) and what is served follow the table.
func TestRoleRouteTable(t *testing.T) {
	a := newApp(t)
	roles := []string{auth.RoleAdministrator, auth.RoleMarketer, auth.RoleContentEditor, auth.RoleViewer}
	clients := map[string]*client{}
	for _, role := range roles {
		name := strings.ReplaceAll(role, "_", "-") + "-user"
		a.createUser(name, "correct-horse-1", role)
		clients[role] = a.client()
		clients[role].signIn(name, "correct-horse-1")
	}
	routes := a.srv.Routes()
	sort.Slice(routes, func(i, j int) bool { // sign-out last: it ends the session
		return routes[i].Path != "/admin/logout" && (routes[j].Path == "/admin/logout" || routes[i].Path < routes[j].Path)
	})
	checked := 0
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/admin") || strings.HasPrefix(r.Path, "/admin/login") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		if _, ok := web.RoutePermission(r.Method, r.Path); !ok {
			t.Errorf("%s %s has no permission in web/access.go", r.Method, r.Path)
			continue
		}
		path := strings.NewReplacer(":id", "1").Replace(r.Path)
		for _, role := range roles {
			c := clients[role]
			var p page
			switch r.Method {
			case http.MethodGet:
				p = c.get(path)
			case http.MethodPost:
				c.get("/admin") // a fresh token for this session
				p = c.post(path, url.Values{})
			default:
				t.Fatalf("unexpected method %s %s: add it to this test", r.Method, r.Path)
			}
			refused := p.status == http.StatusForbidden && p.text(`[data-testid="page-title"]`) == "You do not have access"
			if want := roleMay(role, r.Method, r.Path); want && p.status == http.StatusForbidden {
				t.Errorf("%s %s as %s: refused (%s), want allowed", r.Method, r.Path, role, p.text("main"))
			} else if !want && !refused {
				t.Errorf("%s %s as %s: status %d, want the 403 page", r.Method, r.Path, role, p.status)
			}
			checked++
		}
	}
	if checked < 4*60 {
		t.Fatalf("checked only %d route × role pairs", checked)
	}
}

func TestMarketerCannotOpenUsersOrConfiguration(t *testing.T) {
	a := newApp(t)
	a.createAdmin("admin", "correct-horse-1")
	a.createUser("marketer", "correct-horse-1", auth.RoleMarketer)
	c := a.client()
	home := c.signIn("marketer", "correct-horse-1")
	if home.text(`[data-testid="admin-role"]`) != "Marketer" {
		t.Fatalf("role shown %q", home.text(`[data-testid="admin-role"]`))
	}
	for _, nav := range []string{"nav-users", "nav-config", "nav-actionlog", "nav-customers"} {
		if home.testid(nav).Length() != 0 {
			t.Errorf("marketer's menu offers %s", nav)
		}
	}
	for _, nav := range []string{"nav-audiences", "nav-pricerules", "nav-blocks", "nav-preview", "nav-orders"} {
		if home.testid(nav).Length() != 1 {
			t.Errorf("marketer's menu lacks %s", nav)
		}
	}
	// The dashboard offers no button the role cannot follow, and no action log.
	if n := home.doc.Find(`a[href^="/admin/config"], a[href^="/admin/action-log"], a[href="/admin/stores"]`).Length(); n != 0 {
		t.Errorf("marketer's dashboard links %d pages they may not open", n)
	}
	if home.doc.Find(`a[href="/admin/audiences"]`).Length() == 0 {
		t.Error("marketer's dashboard lost the audiences link")
	}
	for _, path := range []string{"/admin/users", "/admin/config/services"} {
		p := c.get(path)
		wantStatus(t, p, http.StatusForbidden)
		if !strings.Contains(p.text(`[data-testid="error-message"]`), "Your role (Marketer)") {
			t.Errorf("%s: refusal %q", path, p.text(`[data-testid="error-message"]`))
		}
	}
	p := c.post("/admin/config/services", url.Values{"experience_platform/datastream_id": {"3f0c3e54-8f1d-4c8e-9d0e-2f8a1b6c7d90"}})
	wantStatus(t, p, http.StatusForbidden)
}

func TestAdministratorSetsARole(t *testing.T) {
	a := newApp(t)
	admin := a.createAdmin("admin", "correct-horse-1")
	jane := a.createAdmin("jane", "correct-horse-2")
	c := a.client()
	c.signIn("admin", "correct-horse-1")
	edit := c.get("/admin/users/" + itoa(jane.ID) + "/edit")
	if edit.doc.Find(`select[name="role"] option`).Length() != 4 {
		t.Fatalf("role choices: %d", edit.doc.Find(`select[name="role"] option`).Length())
	}
	p := c.post("/admin/users/"+itoa(jane.ID), url.Values{"email": {"jane@example.com"}, "is_active": {"1"}, "role": {"viewer"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	if u, _ := a.auth.Get(context.Background(), jane.ID); u.Role != auth.RoleViewer {
		t.Fatalf("role saved %q", u.Role)
	}
	if row := c.get("/admin/users").testid("users-grid").Text(); !strings.Contains(row, "Viewer") {
		t.Fatalf("grid does not show the role: %q", row)
	}
	// Unknown roles are refused; one's own role cannot be changed (nor the last administrator demoted).
	c.get("/admin/users")
	p = c.post("/admin/users/"+itoa(jane.ID), url.Values{"email": {"jane@example.com"}, "is_active": {"1"}, "role": {"root"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	p = c.post("/admin/users/"+itoa(admin.ID), url.Values{"email": {"admin@example.com"}, "is_active": {"1"}, "role": {"viewer"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if !strings.Contains(p.text(`#role-error`), "own role") {
		t.Fatalf("self-demotion message %q", p.text("main"))
	}
	// New users get the chosen role.
	c.get("/admin/users/new")
	p = c.post("/admin/users", url.Values{"username": {"editor"}, "email": {"editor@example.com"}, "password": {"correct-horse-3"}, "password_confirm": {"correct-horse-3"}, "role": {"content_editor"}, "current_password": {"correct-horse-1"}})
	wantStatus(t, p, http.StatusSeeOther)
	ed := a.client()
	home := ed.signIn("editor", "correct-horse-3")
	if home.testid("nav-blocks").Length() != 1 || home.testid("nav-pricerules").Length() != 0 {
		t.Fatal("content editor's menu does not follow the role")
	}
	wantStatus(t, ed.get("/admin/price-rules"), http.StatusForbidden)
}
